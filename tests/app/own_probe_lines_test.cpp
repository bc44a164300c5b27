// The probe's own lines never reach the rules, and nobody can hide behind them: through
// the real parser and pipeline, a rule that counts every kind the probe's connection
// produces sees none of the probe's lines, yet sees the same text from another port or
// address, and the probe's text after the window.
#include "app/own_probe_lines.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "app/pipeline.h"
#include "recording_sink.h"
#include "rules/rule_loader.h"
#include "sources/syslog_line.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

TimePoint Reference() { return TimePoint(std::chrono::seconds(1'795'300'000)); }  // 2026-11-22

const std::string kIdent = kProbeIdentification;

// Every kind a probe connection's lines become, counted per address from the first line.
constexpr const char* kRule = R"(rules:
  - id: test.probe_kinds
    description: every line of a probe-like connection
    match:
      kinds: [version_probe, connection_opened, connection_closed, preauth_disconnect, sshd_fatal]
    group_by: ip
    threshold: 1
    window: 10m
    cooldown: 10m
    severity: warning
    summary: "{ip}"
    remedy: none
)";

class Fixture {
 public:
  Fixture() : clock_(Reference()), own_(ledger_, 60s) {
    { std::ofstream(dir_.path() + "/probe.yaml") << kRule; }
    pipeline_ = std::make_unique<Pipeline>(LoadRules({dir_.path()}), clock_);
    pipeline_->SetOwnLineFilter([this](const SshdEvent& e) {
      const auto serial = own_.Claim(e, clock_.Now());
      if (serial) claimed_.push_back(*serial);
      return serial.has_value();
    });
  }

  // The probe bound 127.0.0.1:40001 and connected to sshd on 127.0.0.1:22 now.
  std::uint64_t Probe(const std::string& local = "127.0.0.1", int port = 40001) {
    ProbeConnection c;
    c.target_address = "127.0.0.1";
    c.target_port = 22;
    c.local_address = "0.0.0.0";
    c.local_port = port;
    c.started = clock_.Now();
    const auto serial = ledger_.Begin(c);
    ledger_.Connected(serial, local);
    ledger_.ReachedSshd(serial);
    return serial;
  }

  void Feed(const std::string& line) {
    const auto record = ParseSyslogLine(line, SyslogContext{Reference()});
    REQUIRE(record);
    pipeline_->Process(*record, sink_);
  }

  // The addresses the rule alerted for, in order.
  std::vector<std::string> Alerted() const {
    std::vector<std::string> out;
    for (const Alert& a : sink_.alerts) {
      if (a.status == AlertStatus::kFiring) out.push_back(a.summary);
    }
    return out;
  }

  ManualClock clock_;
  ProbeLedger ledger_;
  OwnProbeLines own_;
  TempDir dir_;
  std::unique_ptr<Pipeline> pipeline_;
  RecordingSink sink_;
  std::vector<std::uint64_t> claimed_;
};

// The lines OpenSSH 9.2 wrote for the probe (LogLevel VERBOSE), as tests/e2e sees them.
std::vector<std::string> ProbeLines(const std::string& from, int port, int pid,
                                    const std::string& ident = kIdent) {
  const std::string head = "Nov 22 05:46:40 srv sshd[" + std::to_string(pid) + "]: ";
  const std::string id = from + " port " + std::to_string(port);
  return {head + "Connection from " + id + " on 127.0.0.1 port 22 rdomain \"\"",
          head + "probed from " + id + " with " + ident + ".  Don't panic.",
          head + "Connection closed by " + id};
}

}  // namespace

TEST_CASE("the probe's own lines reach no rule - the same text from elsewhere does", "[app]") {
  Fixture f;
  const auto serial = f.Probe();
  f.clock_.Advance(1s);
  for (const auto& l : ProbeLines("127.0.0.1", 40001, 4242)) f.Feed(l);
  // A line of the same process without an address: claimed by its PID.
  f.Feed("Nov 22 05:46:40 srv sshd[4242]: fatal: ssh_dispatch_run_fatal: Connection closed");
  CHECK(f.Alerted().empty());
  CHECK(f.claimed_ == std::vector<std::uint64_t>(4, serial));
  CHECK(f.pipeline_->stats().own == 4);

  SECTION("an attacker sending our identification from another port is counted") {
    for (const auto& l : ProbeLines("127.0.0.1", 40002, 5000)) f.Feed(l);
    CHECK(f.Alerted() == std::vector<std::string>{"127.0.0.1"});
    CHECK(f.pipeline_->stats().own == 4);
  }
  SECTION("... or from another address with the probe's port") {
    for (const auto& l : ProbeLines("198.51.100.7", 40001, 5001)) f.Feed(l);
    CHECK(f.Alerted() == std::vector<std::string>{"198.51.100.7"});
    CHECK(f.pipeline_->stats().own == 4);
  }
  SECTION("... or from the probe's endpoint after the window") {
    f.clock_.Advance(61s);
    for (const auto& l : ProbeLines("127.0.0.1", 40001, 5002)) f.Feed(l);
    CHECK(f.Alerted() == std::vector<std::string>{"127.0.0.1"});
  }
  SECTION("a 'probed from' line with another identification is not ours") {
    f.Feed(
        "Nov 22 05:46:41 srv sshd[5003]: probed from 127.0.0.1 port 40001 with "
        "SSH-2.0-Probe-evil.  Don't panic.");
    CHECK(f.Alerted() == std::vector<std::string>{"127.0.0.1"});
  }
  SECTION("a reused PID naming another endpoint is not ours") {
    f.Feed("Nov 22 05:46:41 srv sshd[4242]: Connection closed by 203.0.113.9 port 5555");
    CHECK(f.Alerted() == std::vector<std::string>{"203.0.113.9"});
  }
  SECTION("the listener's MaxStartups drop of the probe still counts") {
    f.Feed(
        "Nov 22 05:46:41 srv sshd[1]: drop connection #0 from [127.0.0.1]:40001 on "
        "[127.0.0.1]:22 past MaxStartups");
    CHECK(f.pipeline_->stats().own == 4);
  }
}

TEST_CASE("a line arriving before the probe saw its connect complete is still ours", "[app]") {
  Fixture f;
  ProbeConnection c;
  c.target_address = "127.0.0.5";
  c.target_port = 22;
  c.local_address = "0.0.0.0";  // bound, not connected yet
  c.local_port = 40001;
  c.started = f.clock_.Now();
  f.ledger_.Begin(c);
  f.Feed(ProbeLines("127.0.0.1", 40001, 4242)[0]);  // loopback: ours
  f.Feed(ProbeLines("127.0.0.5", 40001, 4243)[0]);  // the probed address: ours
  f.Feed(ProbeLines("192.0.2.1", 40001, 4244)[0]);  // anything else: not
  CHECK(f.pipeline_->stats().own == 2);
  CHECK(f.Alerted() == std::vector<std::string>{"192.0.2.1"});
}

TEST_CASE("no probe, nothing claimed", "[app]") {
  Fixture f;
  for (const auto& l : ProbeLines("127.0.0.1", 40001, 4242)) f.Feed(l);
  CHECK(f.pipeline_->stats().own == 0);
  CHECK(f.Alerted() == std::vector<std::string>{"127.0.0.1"});
}
