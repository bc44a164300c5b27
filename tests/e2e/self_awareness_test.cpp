// Blindness and self-silence with a real sshd (issue 14): the liveness probe identifies
// itself ("SSH-2.0-Probe-sshd-health_..."), sshd logs "probed from ... Don't panic.", and
//  (a) when the daemon reads sshd's log, that line arrives, is recognised as the probe's
//      own and reaches no rule, and sshd_health.logs_not_seen stays quiet;
//  (b) when the daemon reads some other (empty) file, logs_not_seen fires within the grace.
#include <catch2/catch.hpp>

#include "scenario.h"

using namespace test;
using nlohmann::json;

namespace {

constexpr auto kWait = std::chrono::seconds(30);
constexpr const char* kGraceMs = "3000";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("the probe's line arrives: recognised as our own, no rule sees it, logs are seen",
          "[e2e]") {
  Scenario s({.number = 12,
              .daemon_args = {"--logs-not-seen-grace-ms", kGraceMs},
              .daemon_log_level = "debug"});
  s.Start();
  // Probes run every 2 s (audit interval). Once the daemon claimed a line of the fourth,
  // the first reached sshd more than the 3 s grace ago: had its line not been seen, the
  // alert (checked every 750 ms) would have fired by then.
  INFO("waiting for the daemon to claim lines of four probe connections");
  REQUIRE(
      WaitFor([&] { return Contains(s.daemon().Err(), "own probe line (connection 4)"); }, kWait));
  INFO(s.Diagnostics());
  CHECK(Contains(s.sshd().Log(), "with SSH-2.0-Probe-sshd-health_"));
  // All three lines OpenSSH 9.2 writes for the probe at VERBOSE were claimed, the first
  // ("Connection from", logged as soon as sshd accepts) included.
  for (const char* line : {"not given to the rules: Connection from 127.0.0.1 port ",
                           "not given to the rules: probed from 127.0.0.1 port ",
                           "not given to the rules: Connection closed by 127.0.0.1 port "}) {
    CHECK(Contains(s.daemon().Err(), line));
  }
  CHECK(s.receiver().Find("sshd_health.logs_not_seen").empty());
  CHECK(s.daemon().AlertsContaining("sshd_health.logs_not_seen") == 0);
  // No alert about the probe's address (the scenario's sshd listens on 127.0.0.22).
  CHECK(s.daemon().AlertsContaining("\"ip\":\"127.0.0.1\"") == 0);
  // The probe's lines were not fed to the rules as events: the debug log shows none.
  CHECK_FALSE(Contains(s.daemon().Err(), "event version_probe"));
}

TEST_CASE("sshd's log does not reach the daemon: logs_not_seen fires within the grace", "[e2e]") {
  TempDir other;
  const std::string empty_log = other.path() + "/other.log";
  WriteFile(empty_log, "");
  Scenario s({.number = 13,
              .daemon_args = {"--logs-not-seen-grace-ms", kGraceMs},
              .daemon_log_file = empty_log});
  s.Start();
  const json alert = s.receiver().WaitFor("sshd_health.logs_not_seen", "firing", kWait);
  INFO(s.Diagnostics());
  REQUIRE_FALSE(alert.is_null());
  CHECK(alert.value("severity", "") == "critical");
  const std::string summary = alert.value("summary", "");
  CHECK(Contains(summary, "within 3s"));
  CHECK(Contains(summary, "file " + empty_log + " (0 lines)"));
  CHECK(Contains(alert.value("remedy", ""), "journalctl -u ssh -n 20"));
  // sshd did log the probe: the line exists, just not where the daemon looks.
  CHECK(Contains(s.sshd().Log(), "probed from 127.0.0.1 port "));
  // One alert for the episode, however many probes follow.
  const auto probes = [&] {
    const std::string log = s.sshd().Log();
    std::size_t n = 0;
    for (auto at = log.find("probed from"); at != std::string::npos;
         at = log.find("probed from", at + 1)) {
      ++n;
    }
    return n;
  };
  const std::size_t at_fire = probes();
  REQUIRE(WaitFor([&] { return probes() >= at_fire + 3; }, kWait));
  CHECK(s.receiver().Find("sshd_health.logs_not_seen", "firing").size() == 1);

  // Given sshd's log again (a reload), the next probe's line resolves it.
  std::string config = ReadFile(s.daemon_config_path());
  const auto at = config.find(empty_log);
  REQUIRE(at != std::string::npos);
  config.replace(at, empty_log.size(), s.sshd().log_path());
  s.daemon().WriteConfig(config);
  s.daemon().Signal(SIGHUP);
  CHECK_FALSE(s.receiver().WaitFor("sshd_health.logs_not_seen", "resolved", kWait).is_null());
}
