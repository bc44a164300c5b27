// One alert from the daemon to an Alertmanager HA pair: two real Alertmanagers (Debian's
// package) on different loopback ports, separate storage, clustering off, each sent
// every alert as Prometheus does. It fires in both and resolves in both; one that is
// down delays nothing for its peer and gets the alert once it is back.
#include <catch2/catch.hpp>

#include "fleet_fixture.h"

using namespace std::chrono_literals;

namespace {

// Two failures from one address fire; a success from it resolves at once (cancel_on).
constexpr const char* kRule = R"(rules:
  - id: test.brute_force
    description: failed logins from one address, ended by a success (test rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 2
    window: 10m
    cancel_on: [auth_success]
    severity: warning
    summary: "{count} failed logins from {ip}"
    remedy: "nothing to do: a test"
)";

struct Setup {
  TempDir dir;
  std::string log = dir.path() + "/auth.log";
  int metrics_port = test::FreeTcpPort();
  test::Alertmanager am1{dir.path(), "am1"};
  test::Alertmanager am2{dir.path(), "am2"};
  test::DaemonUnderTest daemon{dir.path()};

  explicit Setup(const std::string& notifier_options = "") {
    std::filesystem::create_directories(dir.path() + "/rules");
    test::WriteFile(dir.path() + "/rules/test.yaml", kRule);
    test::WriteFile(log, "");
    daemon.WriteConfig("state_dir: " + dir.path() + "/state\nsources:\n" +
                       "  journal: { enabled: false }\n  files: [{ path: " + log + " }]\n" +
                       "rules: { paths: [" + dir.path() + "/rules] }\n" +
                       "audit: { enabled: false }\n" + "notify:\n  group_wait: 0s\n  notifiers:\n" +
                       "    - { name: am, type: alertmanager, urls: ['" + am1.base() + "', '" +
                       am2.base() + "/']" + notifier_options + " }\n" +
                       "metrics: { listen: \"127.0.0.1:" + std::to_string(metrics_port) + "\" }\n");
  }
  std::string Metrics() const {
    return test::HttpGet("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
  }
  // The /metrics sample line `name{notifier="lane"}`'s value, or -1.
  double LaneValue(const std::string& name, const std::string& lane) const {
    const std::string body = Metrics();
    const std::string head = name + "{notifier=\"" + lane + "\"} ";
    const auto at = body.find(head);
    return at == std::string::npos ? -1 : std::stod(body.substr(at + head.size()));
  }
  void Fire() {
    test::AppendFile(log, test::SshdLine("Failed password for root from 192.0.2.5 port 22 ssh2"));
    test::AppendFile(log, test::SshdLine("Failed password for root from 192.0.2.5 port 22 ssh2"));
  }
  void Resolve() {
    test::AppendFile(log, test::SshdLine("Accepted password for root from 192.0.2.5 port 22 ssh2"));
  }
};

void CheckLabels(const std::vector<nlohmann::json>& got) {
  REQUIRE(got.size() == 1);
  CHECK(got[0]["labels"]["ip"] == "192.0.2.5");
  CHECK(got[0]["labels"]["severity"] == "warning");
  CHECK(!got[0]["labels"].value("host", "").empty());
  CHECK(got[0]["labels"]["host"] == got[0]["labels"]["instance"]);
}

}  // namespace

TEST_CASE("an alert reaches both Alertmanagers of an HA pair and resolves in both", "[fleet]") {
  Setup s;
  REQUIRE(s.am1.Start());
  REQUIRE(s.am2.Start());
  s.daemon.Start();
  s.Fire();
  std::vector<nlohmann::json> in1, in2;
  const bool both = test::WaitFor(
      [&] {
        in1 = s.am1.Active("test.brute_force");
        in2 = s.am2.Active("test.brute_force");
        return !in1.empty() && !in2.empty();
      },
      20s, 200ms);
  INFO(s.daemon.Err());
  REQUIRE(both);
  CheckLabels(in1);
  CheckLabels(in2);

  s.Resolve();
  CHECK(test::WaitFor(
      [&] {
        return s.am1.Active("test.brute_force").empty() && s.am2.Active("test.brute_force").empty();
      },
      20s, 200ms));
  // Each lane delivered the firing and the resolved alert, once each.
  CHECK(test::WaitFor(
      [&] { return s.LaneValue("sshd_health_notifier_alerts_delivered_total", "am.2") == 2; },
      10s));
  CHECK(s.LaneValue("sshd_health_notifier_alerts_delivered_total", "am") == 2);
  CHECK(s.LaneValue("sshd_health_notifier_delivery_failures_total", "am") == 0);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("an Alertmanager that is down delays nothing for its peer and gets the alert later",
          "[fleet]") {
  Setup s;
  REQUIRE(s.am1.Start());  // am2's port is reserved, nothing listens yet
  s.daemon.Start();
  s.Fire();
  REQUIRE(test::WaitFor([&] { return !s.am1.Active("test.brute_force").empty(); }, 20s, 200ms));
  REQUIRE(test::WaitFor(
      [&] { return s.LaneValue("sshd_health_notifier_delivery_failures_total", "am.2") >= 1; },
      10s));
  CHECK(s.LaneValue("sshd_health_notifier_spool_alerts", "am.2") == 1);
  CHECK(s.LaneValue("sshd_health_notifier_spool_alerts", "am") == 0);

  REQUIRE(s.am2.Start());
  // The retry (backoff 1 s, doubling) brings it to am2; am1 is not sent it again.
  std::vector<nlohmann::json> in2;
  INFO(s.daemon.Err());
  REQUIRE(
      test::WaitFor([&] { return !(in2 = s.am2.Active("test.brute_force")).empty(); }, 40s, 200ms));
  CheckLabels(in2);
  CHECK(s.LaneValue("sshd_health_notifier_alerts_delivered_total", "am") == 1);
  CHECK(test::WaitFor([&] { return s.LaneValue("sshd_health_notifier_spool_alerts", "am.2") == 0; },
                      10s));

  s.Resolve();
  CHECK(test::WaitFor(
      [&] {
        return s.am1.Active("test.brute_force").empty() && s.am2.Active("test.brute_force").empty();
      },
      20s, 200ms));
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("a firing alert stays active in Alertmanager past resolve_after while it is re-sent",
          "[fleet]") {
  // endsAt is 3 s after each send; the daemon re-sends every second. (With
  // resend_interval: 0s the alert ends after 3 s and this fails.)
  Setup s(", resolve_after: 3s, resend_interval: 1s");
  REQUIRE(s.am1.Start());
  REQUIRE(s.am2.Start());
  s.daemon.Start();
  s.Fire();
  REQUIRE(test::WaitFor([&] { return !s.am1.Active("test.brute_force").empty(); }, 20s, 200ms));
  const auto since = std::chrono::steady_clock::now();
  // Twice resolve_after later it is still active in both: each send moved endsAt on.
  bool dropped = false;
  while (std::chrono::steady_clock::now() - since < 7s) {
    dropped = dropped || s.am1.Active("test.brute_force").empty() ||
              s.am2.Active("test.brute_force").empty();
    std::this_thread::sleep_for(250ms);  // sampling a condition that must hold throughout
  }
  CHECK_FALSE(dropped);
  CHECK(s.LaneValue("sshd_health_notifier_alerts_resent_total", "am") >= 4);
  s.Resolve();
  CHECK(test::WaitFor(
      [&] {
        return s.am1.Active("test.brute_force").empty() && s.am2.Active("test.brute_force").empty();
      },
      20s, 200ms));
  CHECK(s.daemon.Stop() == 0);
}
