// The daemon side: AuditScheduler audits on its interval and on changes under the
// sshd_config directory, off the io_context thread, and alerts only on finding changes.
#include "audit/audit_scheduler.h"

#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "audit/real_host.h"
#include "audit_fixture.h"
#include "core/config.h"
#include "recording_sink.h"
#include "run_until.h"

using namespace sshd_health;
using test::RunUntil;

namespace {

Config TestConfig(const test::AuditFixture& fx, Duration interval) {
  Config c = DefaultConfig();
  c.state_dir = fx.dir() + "/state";
  c.sources.journal.enabled = Tristate::kOff;
  c.sources.files.clear();
  c.audit.interval = interval;
  c.audit.sshd_config = fx.sshd_config();
  c.audit.probe.address = "127.0.0.1";
  c.audit.probe.port = test::FreeTcpPort();
  return c;
}

}  // namespace

TEST_CASE(
    "scheduler: a persisting finding alerts once, its fix resolves once, a restart does not "
    "re-alert",
    "[audit][scheduler]") {
  test::AuditFixture fx;
  fx.MakeKey("ed25519");
  fx.MakeKey("ecdsa");
  fx.WriteSshdConfig({"ed25519", "ecdsa"});
  ::chmod(fx.key("ecdsa").c_str(), 0644);
  const Config config = TestConfig(fx, std::chrono::milliseconds(300));
  boost::asio::io_context io;
  const RealHost host;
  RecordingSink sink;
  {
    AuditScheduler scheduler(io, config, sink, host, nullptr);
    scheduler.Start();
    REQUIRE(RunUntil(io, [&] { return sink.Count("host_key.mode", AlertStatus::kFiring) == 1; }));
    const Alert& fired = *std::find_if(sink.alerts.begin(), sink.alerts.end(),
                                       [](const Alert& a) { return a.rule == "host_key.mode"; });
    CHECK(fired.severity == Severity::kCritical);
    CHECK(fired.labels.at("subject") == fx.key("ecdsa"));
    CHECK(fired.labels.at("check") == "host_keys");
    CHECK(fired.id == AlertId("host_key.mode", fx.key("ecdsa")));

    // A second, later finding proves more audits ran; the first must not have re-fired.
    fx.WriteSshdConfig({"ed25519", "ecdsa", "rsa"});
    REQUIRE(
        RunUntil(io, [&] { return sink.Count("host_key.missing", AlertStatus::kFiring) == 1; }));
    CHECK(sink.Count("host_key.mode", AlertStatus::kFiring) == 1);

    ::chmod(fx.key("ecdsa").c_str(), 0600);
    REQUIRE(RunUntil(io, [&] { return sink.Count("host_key.mode", AlertStatus::kResolved) == 1; }));
    fx.WriteSshdConfig({"ed25519", "ecdsa"});
    REQUIRE(
        RunUntil(io, [&] { return sink.Count("host_key.missing", AlertStatus::kResolved) == 1; }));
    CHECK(sink.Count("host_key.mode", AlertStatus::kResolved) == 1);
    CHECK(sink.Count("host_key.mode", AlertStatus::kFiring) == 1);
    scheduler.Stop();
  }

  // Restart with a finding still present: it was recorded, so it does not fire again.
  ::chmod(fx.key("ecdsa").c_str(), 0644);
  RecordingSink before_restart;
  {
    AuditScheduler scheduler(io, config, before_restart, host, nullptr);
    scheduler.Start();
    REQUIRE(RunUntil(
        io, [&] { return before_restart.Count("host_key.mode", AlertStatus::kFiring) == 1; }));
  }
  RecordingSink after_restart;
  AuditScheduler restarted(io, config, after_restart, host, nullptr);
  restarted.Start();
  ::chmod((fx.key("ed25519") + ".pub").c_str(), 0600);  // a new finding as a marker
  REQUIRE(RunUntil(io, [&] {
    return after_restart.Count("host_key.mode", AlertStatus::kFiring, fx.key("ed25519") + ".pub") ==
           1;
  }));
  CHECK(after_restart.Count("host_key.mode", AlertStatus::kFiring, fx.key("ecdsa")) == 0);
}

TEST_CASE(
    "scheduler: a change in the sshd_config directory triggers an audit without waiting for the "
    "interval",
    "[audit][scheduler]") {
  test::AuditFixture fx;
  fx.MakeKey("ed25519");
  fx.MakeKey("ecdsa");
  fx.WriteSshdConfig({"ed25519", "ecdsa"});
  ::chmod(fx.key("ecdsa").c_str(), 0644);
  const Config config = TestConfig(fx, std::chrono::hours(1));
  boost::asio::io_context io;
  const RealHost host;
  RecordingSink sink;
  AuditScheduler scheduler(io, config, sink, host, nullptr);
  scheduler.Start();
  REQUIRE(RunUntil(io, [&] { return sink.Count("host_key.mode", AlertStatus::kFiring) == 1; }));
  ::chmod(fx.key("ecdsa").c_str(), 0600);
  REQUIRE(RunUntil(
      io, [&] { return sink.Count("host_key.mode", AlertStatus::kResolved) == 1; },
      std::chrono::seconds(20)));
  scheduler.Stop();
}

TEST_CASE("scheduler: info findings alert only when audit.alert_min_severity is info",
          "[audit][scheduler]") {
  test::AuditFixture fx;
  fx.MakeKey("ed25519");
  fx.MakeKey("ecdsa");
  fx.WriteSshdConfig({"ed25519", "ecdsa"});
  ::chmod(fx.key("ecdsa").c_str(), 0644);  // a critical finding to know the audit ran
  Config config = TestConfig(fx, std::chrono::minutes(10));
  config.state_dir.clear();  // nothing carried over between the two runs
  boost::asio::io_context io;
  const RealHost host;
  SECTION("default warning: OpenSSH's own default MACs (info) send nothing") {
    REQUIRE(config.audit.alert_min_severity == Severity::kWarning);
    RecordingSink sink;
    AuditScheduler scheduler(io, config, sink, host, nullptr);
    scheduler.Start();
    REQUIRE(RunUntil(io, [&] { return sink.Count("host_key.mode", AlertStatus::kFiring) == 1; }));
    for (const auto& a : sink.alerts) CHECK(a.severity != Severity::kInfo);
    scheduler.Stop();
  }
  SECTION("info: the same audit alerts on them") {
    config.audit.alert_min_severity = Severity::kInfo;
    RecordingSink sink;
    AuditScheduler scheduler(io, config, sink, host, nullptr);
    scheduler.Start();
    REQUIRE(RunUntil(io, [&] { return sink.Count("host_key.mode", AlertStatus::kFiring) == 1; }));
    CHECK(sink.Count("config.weak_algorithm", AlertStatus::kFiring) >= 1);
    scheduler.Stop();
  }
}
