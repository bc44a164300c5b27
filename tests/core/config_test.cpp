#include "core/config.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "core/yaml_util.h"
#include "temp_dir.h"

using namespace sshd_health;

namespace {

std::string WriteConfig(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/config.yaml";
  std::ofstream(path) << text;
  return path;
}

std::string LoadError(const std::string& path) {
  try {
    LoadConfig(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an empty config file gives the built-in defaults", "[core]") {
  TempDir dir;
  const Config c = LoadConfig(WriteConfig(dir, ""));
  CHECK(c.state_dir == "/var/lib/sshd-health");
  CHECK(c.audit.interval == std::chrono::minutes(5));
  CHECK(c.sources.files.size() == 2);
}

TEST_CASE("config keys are read", "[core]") {
  TempDir dir;
  const Config c = LoadConfig(WriteConfig(dir, R"(
state_dir: /tmp/x
sources:
  journal: { enabled: false, directory: /j, start: head }
  files: [ { path: /var/log/auth.log } ]
audit: { interval: 90s, probe: { port: 2222, timeout: 500ms } }
notify:
  group_wait: 1s
  notifiers:
    - { name: hook, type: webhook, url: "http://127.0.0.1:1/x", min_severity: warning }
)"));
  CHECK(c.state_dir == "/tmp/x");
  CHECK(c.sources.journal.enabled == Tristate::kOff);
  CHECK(c.sources.journal.start == JournalSourceConfig::Start::kHead);
  CHECK(c.sources.files.size() == 1);
  CHECK(c.audit.interval == std::chrono::seconds(90));
  CHECK(c.audit.probe.port == 2222);
  CHECK(c.audit.probe.timeout == std::chrono::milliseconds(500));
  REQUIRE(c.notify.notifiers.size() == 1);
  CHECK(c.notify.notifiers[0].name == "hook");
  CHECK(c.notify.notifiers[0].min_severity == Severity::kWarning);
  CHECK(c.notify.notifiers[0].options["url"].as<std::string>() == "http://127.0.0.1:1/x");
}

TEST_CASE("config errors name file, line, column and key", "[core]") {
  TempDir dir;
  SECTION("unknown key") {
    const auto path = WriteConfig(dir, "state_dir: /x\naudit:\n  intervall: 5m\n");
    CHECK(LoadError(path) == path +
                                 ":3:3: audit.intervall: unknown key (known: enabled, interval, "
                                 "sshd_binary, sshd_config, probe, alert_min_severity)");
  }
  SECTION("bad value") {
    const auto path = WriteConfig(dir, "audit:\n  interval: soon\n");
    CHECK(LoadError(path) == path +
                                 ":2:13: audit.interval: 'soon' is not a duration (use e.g. "
                                 "500ms, 30s, 5m, 1h, 2d)");
  }
  SECTION("bad list entry") {
    const auto path = WriteConfig(dir, "notify:\n  notifiers:\n    - { name: a }\n");
    CHECK(LoadError(path) == path + ":3:7: notify.notifiers[0].type: is required");
  }
  SECTION("syntax error") {
    const auto path = WriteConfig(dir, "a: [1,\n");
    CHECK(LoadError(path).rfind(path + ":", 0) == 0);
  }
}

TEST_CASE("audit.alert_min_severity: warning by default, read, bad values named by line",
          "[core]") {
  TempDir dir;
  CHECK(LoadConfig(WriteConfig(dir, "")).audit.alert_min_severity == Severity::kWarning);
  CHECK(DefaultConfig().audit.alert_min_severity == Severity::kWarning);
  CHECK(LoadConfig(WriteConfig(dir, "audit:\n  alert_min_severity: info\n"))
            .audit.alert_min_severity == Severity::kInfo);
  CHECK(LoadConfig(WriteConfig(dir, "audit:\n  alert_min_severity: critical\n"))
            .audit.alert_min_severity == Severity::kCritical);
  const std::string path = WriteConfig(dir, "audit:\n  interval: 5m\n  alert_min_severity: loud\n");
  const std::string err = LoadError(path);
  CHECK(err.find(path + ":3:") != std::string::npos);
  CHECK(err.find("audit.alert_min_severity") != std::string::npos);
  CHECK(err.find("expected info, warning or critical") != std::string::npos);
}

TEST_CASE("audit.enabled: false turns the audits off - a bad value names file:line:key", "[core]") {
  TempDir dir;
  CHECK(LoadConfig(WriteConfig(dir, "state_dir: /x\n")).audit.enabled);
  CHECK_FALSE(LoadConfig(WriteConfig(dir, "audit:\n  enabled: false\n")).audit.enabled);
  const auto path = WriteConfig(dir, "state_dir: /x\naudit:\n  enabled: central\n");
  CHECK(LoadError(path) == path + ":3:12: audit.enabled: expected true or false, got 'central'");
}

TEST_CASE("metrics.textfile: an absolute *.prom path in an existing directory, else file:line:key",
          "[core]") {
  TempDir dir;
  CHECK(LoadConfig(WriteConfig(dir, "")).metrics.textfile.empty());
  const std::string good = dir.path() + "/sshd-health.prom";
  CHECK(LoadConfig(WriteConfig(dir, "metrics:\n  textfile: " + good + "\n")).metrics.textfile ==
        good);
  SECTION("relative") {
    const auto path = WriteConfig(dir, "metrics:\n  textfile: x.prom\n");
    CHECK(LoadError(path) == path + ":2:13: metrics.textfile: must be an absolute path");
  }
  SECTION("not read by node_exporter") {
    const auto path = WriteConfig(dir, "metrics:\n  textfile: " + dir.path() + "/x.txt\n");
    CHECK(LoadError(path) ==
          path + ":2:13: metrics.textfile: must end in .prom (node_exporter reads only those)");
  }
  SECTION("no such directory") {
    const auto path = WriteConfig(dir, "metrics:\n  listen: ''\n  textfile: /nonexistent/x.prom\n");
    CHECK(LoadError(path) == path +
                                 ":3:13: metrics.textfile: directory /nonexistent does not exist "
                                 "(node_exporter's --collector.textfile.directory)");
  }
  SECTION("unknown key") {
    const auto path = WriteConfig(dir, "metrics:\n  text_file: /x.prom\n");
    CHECK(LoadError(path) ==
          path + ":2:3: metrics.text_file: unknown key (known: listen, textfile, host_label)");
  }
}

TEST_CASE("metrics.host_label is auto, true or false, else file:line:key", "[core]") {
  TempDir dir;
  CHECK(LoadConfig(WriteConfig(dir, "metrics:\n  listen: ''\n")).metrics.host_label == "auto");
  CHECK(LoadConfig(WriteConfig(dir, "metrics:\n  host_label: true\n")).metrics.host_label ==
        "true");
  const auto path = WriteConfig(dir, "metrics:\n  host_label: maybe\n");
  CHECK(LoadError(path) == path + ":2:15: metrics.host_label: expected auto, true or false");
}
