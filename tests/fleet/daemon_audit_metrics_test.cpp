// The audit figures in /metrics with a real sshd (tests/e2e/scenario.h): the daemon's
// liveness probe reaches sshd on 127.0.0.x, and /metrics then holds the check status per
// check and the probe's time to the banner, in a body promtool accepts.
#include <catch2/catch.hpp>

#include "e2e/scenario.h"
#include "fleet_fixture.h"

using namespace std::chrono_literals;

TEST_CASE("after an audit /metrics holds each check's status and the probe's banner latency",
          "[fleet]") {
  const int port = test::FreeTcpPort();
  test::Scenario s({.number = 41, .metrics_listen = "127.0.0.1:" + std::to_string(port)});
  s.Start();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  std::string body;
  const bool seen = test::WaitFor(
      [&] {
        body = test::HttpGet(url);
        return body.find("\nsshd_health_check_status{check=\"liveness\"} 0\n") !=
                   std::string::npos &&
               body.find("\nsshd_health_probe_latency_seconds ") != std::string::npos;
      },
      30s, 200ms);
  INFO(body);
  INFO(s.Diagnostics());
  REQUIRE(seen);
  const auto at = body.find("\nsshd_health_probe_latency_seconds ");
  const double latency = std::stod(body.substr(at + 35));
  CHECK(latency > 0);
  CHECK(latency < 2);  // the probe's timeout
  // Every check of the audit has its line; a Nagios code 0..3 each.
  for (const char* check : {"config", "host_keys", "liveness"}) {
    INFO(check);
    CHECK(body.find("\nsshd_health_check_status{check=\"" + std::string(check) + "\"} ") !=
          std::string::npos);
  }
  test::RunOptions o;
  o.stdin_text = body;
  o.merge_stderr = true;
  const auto lint = test::RunCommand({test::kPromtool, "check", "metrics"}, o);
  INFO(lint.out);
  CHECK(lint.exit_code == 0);
}
