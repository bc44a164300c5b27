// PlanReload: which running parts a SIGHUP reload rebuilds. Both configs are read from
// files, as a reload reads them, so two loads of the same text are distinct objects that
// must still compare equal.
#include "app/reload_plan.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "core/config.h"
#include "temp_dir.h"

using namespace sshd_health;

namespace {

constexpr const char* kBase = R"(state_dir: /tmp/sshd-health-reload-test
log_level: info
sources:
  journal: { enabled: false, start: head }
  files: [ { path: /var/log/auth.log } ]
rules: { paths: [/usr/share/sshd-health/rules] }
audit: { enabled: false }
metrics: { listen: "127.0.0.1:9712" }
notify:
  group_wait: 10s
  rate_limit: 30
  notifiers:
    - { name: hook, type: webhook, url: "http://127.0.0.1:1/x", min_severity: warning }
)";

Config Load(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/config.yaml";
  std::ofstream(path) << text;
  return LoadConfig(path);
}

// kBase with the first occurrence of `from` replaced by `to`.
std::string Edited(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("a reload of an unchanged config rebuilds nothing", "[app][reload]") {
  TempDir dir;
  const Config running = Load(dir, kBase);
  const Config next = Load(dir, kBase);
  const ReloadPlan plan = PlanReload(running, next);
  CHECK_FALSE(plan.reopen_sources);
  CHECK_FALSE(plan.rebuild_output);
  CHECK_FALSE(plan.restart_metrics);
}

// Regression: the notify fingerprint left out notify.rate_limit, so a reload that changed
// only it was logged as applied and the notifiers kept the old limit.
TEST_CASE("a reload that changes only notify.rate_limit rebuilds the notifiers", "[app][reload]") {
  TempDir dir;
  const Config running = Load(dir, kBase);
  const Config next = Load(dir, Edited("rate_limit: 30", "rate_limit: 2"));
  const ReloadPlan plan = PlanReload(running, next);
  CHECK(plan.rebuild_output);
  CHECK_FALSE(plan.reopen_sources);
  CHECK_FALSE(plan.restart_metrics);
}

TEST_CASE("a reload rebuilds the notifiers when anything under notify changes", "[app][reload]") {
  TempDir dir;
  const Config running = Load(dir, kBase);
  const auto [from, to] = GENERATE(table<std::string, std::string>({
      {"group_wait: 10s", "group_wait: 1s"},
      {"http://127.0.0.1:1/x", "http://127.0.0.1:1/y"},  // a type-specific option
      {"min_severity: warning }",
       "min_severity: warning, rate_limit: 5 }"},  // the notifier's own limit
      {"min_severity: warning", "min_severity: critical"},
      {"name: hook", "name: other"},
  }));
  INFO(from << " -> " << to);
  const ReloadPlan plan = PlanReload(running, Load(dir, Edited(from, to)));
  CHECK(plan.rebuild_output);
  CHECK_FALSE(plan.reopen_sources);
}

TEST_CASE("a reload re-opens the sources when sources or state_dir change", "[app][reload]") {
  TempDir dir;
  const Config running = Load(dir, kBase);
  SECTION("another file") {
    const ReloadPlan plan =
        PlanReload(running, Load(dir, Edited("/var/log/auth.log", "/var/log/secure")));
    CHECK(plan.reopen_sources);
    CHECK_FALSE(plan.rebuild_output);
  }
  SECTION("the journal's start") {
    const ReloadPlan plan = PlanReload(running, Load(dir, Edited("start: head", "start: tail")));
    CHECK(plan.reopen_sources);
    CHECK_FALSE(plan.rebuild_output);
  }
  SECTION("state_dir: positions and the spool both live there") {
    const ReloadPlan plan = PlanReload(running, Load(dir, Edited("reload-test", "reload-test-2")));
    CHECK(plan.reopen_sources);
    CHECK(plan.rebuild_output);
  }
}

TEST_CASE("a reload restarts the metrics endpoint only when metrics.listen changes",
          "[app][reload]") {
  TempDir dir;
  const Config running = Load(dir, kBase);
  const ReloadPlan moved = PlanReload(running, Load(dir, Edited(":9712", ":9713")));
  CHECK(moved.restart_metrics);
  CHECK_FALSE(moved.rebuild_output);
  CHECK_FALSE(moved.reopen_sources);
  // Parts that every reload replaces anyway need nothing rebuilt.
  const ReloadPlan level =
      PlanReload(running, Load(dir, Edited("log_level: info", "log_level: debug")));
  CHECK_FALSE(level.restart_metrics);
  CHECK_FALSE(level.rebuild_output);
  CHECK_FALSE(level.reopen_sources);
}
