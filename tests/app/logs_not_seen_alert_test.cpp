// sshd_health.logs_not_seen: a probe that reached sshd and whose line did not arrive
// within the grace fires once (critical, naming the sources read); a line of that probe or
// a newer one resolves it; a probe that never reached sshd never fires it.
#include "app/logs_not_seen_alert.h"

#include <catch2/catch.hpp>

#include "recording_sink.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0(std::chrono::seconds(1'800'000'000));

ProbeConnection Probe(std::uint64_t serial, TimePoint at, bool reached = true) {
  ProbeConnection c;
  c.serial = serial;
  c.target_address = "127.0.0.1";
  c.target_port = 22;
  c.local_address = "127.0.0.1";
  c.local_port = 40000 + static_cast<int>(serial);
  c.started = at;
  c.reached_sshd = reached;
  return c;
}

const std::vector<SourceReading> kSources = {{"file /var/log/auth.log", 12}, {"journal", 0}};

}  // namespace

TEST_CASE("logs_not_seen fires after the grace, not before, once, and resolves on a probe line",
          "[app]") {
  LogsNotSeenAlert alert(60s);
  RecordingSink sink;
  alert.ObserveProbes({Probe(1, kT0)});
  alert.Tick(kT0 + 59s, kSources, sink);
  CHECK(sink.alerts.empty());
  alert.Tick(kT0 + 60s, kSources, sink);
  REQUIRE(sink.alerts.size() == 1);
  const Alert& a = sink.alerts[0];
  CHECK(a.rule == "sshd_health.logs_not_seen");
  CHECK(a.severity == Severity::kCritical);
  CHECK(a.status == AlertStatus::kFiring);
  CHECK(a.summary.find("within 1m") != std::string::npos);
  CHECK(a.summary.find("file /var/log/auth.log (12 lines), journal (0 lines)") !=
        std::string::npos);
  REQUIRE(!a.evidence.empty());
  CHECK(a.evidence[0].find("from 127.0.0.1 port 40001 to 127.0.0.1 port 22") != std::string::npos);
  CHECK(a.evidence[0].find("SSH-2.0-Probe-sshd-health_") != std::string::npos);
  for (const char* what :
       {"journalctl -u ssh -n 20", "systemctl status rsyslog", "sshd -T", "LogLevel", "sources:"}) {
    INFO(what);
    CHECK(Catch::toLower(a.remedy).find(Catch::toLower(what)) != std::string::npos);
  }
  CHECK(alert.firing());

  // No spam: more probes without lines, more ticks - still the one alert.
  alert.ObserveProbes({Probe(1, kT0), Probe(2, kT0 + 5min), Probe(3, kT0 + 10min)});
  for (int i = 1; i <= 40; ++i) alert.Tick(kT0 + i * 15s + 1min, kSources, sink);
  CHECK(sink.alerts.size() == 1);

  SECTION("a late line of an older probe does not resolve it") {
    // (the alert fired for probe 1; 0 is older still)
    alert.LineSeen(0, kT0 + 12min, sink);
    CHECK(sink.alerts.size() == 1);
  }
  SECTION("a line of a newer probe resolves it, once") {
    alert.LineSeen(3, kT0 + 12min, sink);
    REQUIRE(sink.alerts.size() == 2);
    CHECK(sink.alerts[1].status == AlertStatus::kResolved);
    CHECK(sink.alerts[1].id == sink.alerts[0].id);
    CHECK_FALSE(alert.firing());
    alert.LineSeen(3, kT0 + 12min, sink);
    alert.Tick(kT0 + 20min, kSources, sink);  // probe 2's wait is answered by 3's line
    CHECK(sink.alerts.size() == 2);

    // Blind again later: a new episode fires again.
    alert.ObserveProbes({Probe(4, kT0 + 30min)});
    alert.Tick(kT0 + 31min, kSources, sink);
    REQUIRE(sink.alerts.size() == 3);
    CHECK(sink.alerts[2].status == AlertStatus::kFiring);
  }
}

TEST_CASE("logs_not_seen: a probe line within the grace keeps it quiet", "[app]") {
  LogsNotSeenAlert alert(60s);
  RecordingSink sink;
  alert.ObserveProbes({Probe(1, kT0)});
  alert.LineSeen(1, kT0 + 2s, sink);
  alert.Tick(kT0 + 10min, kSources, sink);
  CHECK(sink.alerts.empty());

  SECTION("even when the line came before the probe was observed") {
    alert.LineSeen(2, kT0 + 11min, sink);
    alert.ObserveProbes({Probe(1, kT0), Probe(2, kT0 + 11min)});
    alert.Tick(kT0 + 20min, kSources, sink);
    CHECK(sink.alerts.empty());
  }
}

TEST_CASE("logs_not_seen: a probe that never reached sshd never fires it", "[app]") {
  LogsNotSeenAlert alert(60s);
  RecordingSink sink;
  // Refused, timed out, no banner: sshd logged nothing we could wait for.
  alert.ObserveProbes({Probe(1, kT0, false), Probe(2, kT0 + 1min, false)});
  alert.Tick(kT0 + 1h, kSources, sink);
  CHECK(sink.alerts.empty());
  CHECK_FALSE(alert.firing());
}

TEST_CASE("logs_not_seen names the absence of any source", "[app]") {
  LogsNotSeenAlert alert(2s);
  RecordingSink sink;
  alert.ObserveProbes({Probe(1, kT0)});
  alert.Tick(kT0 + 2s, {}, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].summary.find("within 2s; read: no log source is open") != std::string::npos);
}
