// End to end through the real parts: auth.log lines -> SshdParser -> RuleEngine with the
// shipped rules -> alerts.
#include "app/pipeline.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "recording_sink.h"
#include "rules/rule_loader.h"
#include "sources/syslog_line.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kTestData = SSHD_HEALTH_TEST_DATA;
const std::string kShippedRules = (kTestData.parent_path().parent_path() / "rules").string();

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const Alert* Find(const std::vector<Alert>& alerts, const std::string& rule, AlertStatus status) {
  for (const Alert& a : alerts) {
    if (a.rule == rule && a.status == status) return &a;
  }
  return nullptr;
}

// The year of "Nov 21" lines comes from the reference time.
TimePoint Reference() { return TimePoint(std::chrono::seconds(1'795'300'000)); }  // 2026-11-22

}  // namespace

TEST_CASE("a realistic auth.log through the pipeline raises the expected alerts", "[app]") {
  const auto lines = ReadLines(kTestData / "rules" / "auth.log");
  REQUIRE(lines.size() == 25);
  ManualClock clock(Reference());
  Pipeline pipeline(LoadRules({kShippedRules}), clock);
  RecordingSink sink;
  const SyslogContext ctx{Reference()};
  for (const std::string& line : lines) {
    const auto record = ParseSyslogLine(line, ctx);
    REQUIRE(record);
    pipeline.Process(*record, sink);
  }

  std::vector<std::string> fired;
  for (const Alert& a : sink.alerts) {
    CHECK(a.status == AlertStatus::kFiring);
    fired.push_back(a.rule);
  }
  CHECK(fired == std::vector<std::string>{"sshd.daemon.started", "sshd.auth.brute_force",
                                          "sshd.maxstartups.begin", "sshd.maxstartups.drop",
                                          "sshd.kex.no_common_kex", "sshd.hostkey.load_failure",
                                          "sshd.auth.bad_modes"});
  CHECK(pipeline.stats().records == 25);
  CHECK(pipeline.stats().events >= 22);

  SECTION("brute force names the source and the count at the threshold") {
    const Alert* a = Find(sink.alerts, "sshd.auth.brute_force", AlertStatus::kFiring);
    REQUIRE(a);
    CHECK(a->labels == std::map<std::string, std::string>{{"ip", "203.0.113.50"}});
    CHECK(a->count == 10);
    CHECK(a->severity == Severity::kWarning);
    // The log is another machine's: its host is in the alert and in the id's key.
    CHECK(a->host == "web1");
    CHECK(a->id == AlertId("sshd.auth.brute_force", std::string("203.0.113.50\0web1", 17)));
    CHECK(a->summary ==
          "Brute force: 10 failed logins from 203.0.113.50 within 10m (last user tried: ubuntu)");
    CHECK(a->last_seen - a->first_seen == 14s);
    REQUIRE(a->evidence.size() == 5);
    CHECK(a->evidence.back() == lines[12]);
  }
  SECTION("an address injected through the user name is never blamed") {
    for (const Alert& a : sink.alerts) {
      for (const auto& [key, value] : a.labels) CHECK(value != "1.2.3.4");
      CHECK(a.summary.find("1.2.3.4") == std::string::npos);
    }
  }
  SECTION("MaxStartups drops say how to raise the limit") {
    const Alert* a = Find(sink.alerts, "sshd.maxstartups.drop", AlertStatus::kFiring);
    REQUIRE(a);
    CHECK(a->severity == Severity::kWarning);
    CHECK(a->labels.empty());
    CHECK(a->summary ==
          "sshd is dropping connections past MaxStartups (1 so far, latest from 192.0.2.33)");
    CHECK(a->remedy.find("MaxStartups 50:30:100") != std::string::npos);
  }
  SECTION("a legacy client is named with its offer") {
    const Alert* a = Find(sink.alerts, "sshd.kex.no_common_kex", AlertStatus::kFiring);
    REQUIRE(a);
    // One alert per offer (issue 16): the source is in the summary, not a label.
    CHECK(a->labels.empty());
    CHECK(a->summary.find("Client 192.0.2.80 cannot log in") != std::string::npos);
    CHECK(a->summary.find("diffie-hellman-group1-sha1") != std::string::npos);
  }
  SECTION("a host key that does not load is critical and names the file") {
    const Alert* a = Find(sink.alerts, "sshd.hostkey.load_failure", AlertStatus::kFiring);
    REQUIRE(a);
    CHECK(a->severity == Severity::kCritical);
    CHECK(a->summary.find("/etc/ssh/ssh_host_ed25519_key") != std::string::npos);
  }
  SECTION("bad modes name the path") {
    const Alert* a = Find(sink.alerts, "sshd.auth.bad_modes", AlertStatus::kFiring);
    REQUIRE(a);
    CHECK(a->summary.find("/home/alice/.ssh") != std::string::npos);
  }
  SECTION("once quiet, every alert resolves with its final count") {
    const std::size_t firing = sink.alerts.size();
    // Past the longest shipped window (sshd.auth.penalised_client remembers a successful
    // login for 7d), so every group, the unfired ones too, is gone.
    pipeline.Expire(Reference() + 8 * 24h, sink);
    REQUIRE(sink.alerts.size() == 2 * firing);
    const Alert* a = Find(sink.alerts, "sshd.auth.brute_force", AlertStatus::kResolved);
    REQUIRE(a);
    CHECK(a->count == 12);
    const Alert* d = Find(sink.alerts, "sshd.maxstartups.drop", AlertStatus::kResolved);
    REQUIRE(d);
    CHECK(d->count == 2);
    CHECK(pipeline.stats().engine.groups == 0);
  }
}

TEST_CASE(
    "rsyslog's 'message repeated N times' counts N failures: a brute force folded into repeats "
    "fires",
    "[app]") {
  // rules/auth.yaml sshd.auth.brute_force: 10 failures from one address within 10m.
  ManualClock clock(Reference());
  Pipeline pipeline(LoadRules({kShippedRules}), clock);
  RecordingSink sink;
  const SyslogContext ctx{Reference()};
  const std::vector<std::string> lines = {
      "Nov 21 16:31:02 web1 sshd[1201]: Failed password for root from 203.0.113.7 port 52814 ssh2",
      "Nov 21 16:31:40 web1 sshd[1201]: message repeated 8 times: [ Failed password for root from "
      "203.0.113.7 "
      "port 52814 ssh2]",
      "Nov 21 16:31:41 web1 sshd[1201]: PAM 2 more authentication failures; logname= uid=0 euid=0 "
      "tty=ssh ruser= "
      "rhost=203.0.113.7  user=root"};  // once: it sums up failures sshd logged one by one
  for (const std::string& line : lines) {
    const auto record = ParseSyslogLine(line, ctx);
    REQUIRE(record);
    pipeline.Process(*record, sink);
  }
  const Alert* brute = Find(sink.alerts, "sshd.auth.brute_force", AlertStatus::kFiring);
  REQUIRE(brute);
  CHECK(brute->count == 10);
  CHECK(pipeline.stats().events == 3);
}

TEST_CASE("the old 'last message repeated N times' repeats the previous line's event", "[app]") {
  ManualClock clock(Reference());
  Pipeline pipeline(LoadRules({kShippedRules}), clock);
  RecordingSink sink;
  const SyslogContext ctx{Reference()};
  for (const std::string line :
       {"Nov 21 16:31:02 web1 sshd[1201]: Failed password for root from 203.0.113.8 port 52814 "
        "ssh2",
        "Nov 21 16:31:40 web1 sshd[1201]: last message repeated 9 times"}) {
    const auto record = ParseSyslogLine(line, ctx);
    REQUIRE(record);
    pipeline.Process(*record, sink);
  }
  const Alert* brute = Find(sink.alerts, "sshd.auth.brute_force", AlertStatus::kFiring);
  REQUIRE(brute);
  CHECK(brute->count == 10);
}
