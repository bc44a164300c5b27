// Hosts in the rules engine (rules/README.md "Hosts"): every rule counts each origin host
// apart unless it counts across hosts, this machine's own events keep the keys and ids
// of before, and alerts name the host that logged the events.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "recording_sink.h"
#include "rules/rule_engine.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));
constexpr std::string_view kLine = "sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2";

Rule Brute(std::uint32_t threshold = 3) {
  Rule r;
  r.id = "test.brute";
  r.description = "test rule";
  r.kinds = {EventKind::kAuthFailure};
  r.group_key = {KeyPart{KeyField::kIp}};
  r.group_by = GroupBy::kIp;
  r.threshold = threshold;
  r.summary = "{count} from {ip} on {host}";
  r.remedy = "block {ip}";
  return r;
}

Rule Fleet() {
  Rule r = Brute(5);
  r.id = "test.fleet";
  r.distinct = KeyPart{KeyField::kHost};
  r.per_host = false;
  return r;
}

// `host` must outlive the event (events borrow it, as they borrow a record's line).
SshdEvent Fail(TimePoint ts, std::string_view host, std::string ip = "192.0.2.1") {
  SshdEvent e;
  e.kind = EventKind::kAuthFailure;
  e.ts = ts;
  e.has_ts = true;
  e.ip = std::move(ip);
  e.user = "root";
  e.pid = 1;
  e.host = host;
  e.message = kLine;
  e.line = kLine;
  return e;
}

std::string Key(std::string_view ip, std::string_view host) {
  std::string k(ip);
  k += '\0';
  k.append(host);
  return k;
}

}  // namespace

TEST_CASE("one address failing on two hosts is two groups, each alert naming its host", "[rules]") {
  ManualClock clock;
  RuleEngine engine({Brute(3)}, clock);
  RecordingSink sink;
  // Interleaved: 2 + 2 would be 4 >= 3 overall, but no host saw 3.
  engine.Observe(Fail(kT0, "web1"), sink);
  engine.Observe(Fail(kT0 + 1s, "web2"), sink);
  engine.Observe(Fail(kT0 + 2s, "web1"), sink);
  engine.Observe(Fail(kT0 + 3s, "web2"), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 4s, "web2"), sink);
  REQUIRE(sink.alerts.size() == 1);
  const Alert a = sink.alerts[0];  // a copy: the sink's vector grows below
  CHECK(a.host == "web2");
  CHECK(a.id == AlertId("test.brute", Key("192.0.2.1", "web2")));
  CHECK(a.labels == std::map<std::string, std::string>{{"ip", "192.0.2.1"}});
  CHECK(a.summary == "3 from 192.0.2.1 on web2");
  CHECK(engine.stats().hosts == 2);

  SECTION("the resolved alert names the same host") {
    engine.Expire(kT0 + 4s + 31min, sink);
    REQUIRE(sink.alerts.size() == 2);
    CHECK(sink.alerts[1].status == AlertStatus::kResolved);
    CHECK(sink.alerts[1].host == "web2");
    CHECK(sink.alerts[1].id == a.id);
    CHECK(sink.alerts[1].labels == a.labels);
  }
}

TEST_CASE("this machine's own events keep the keys and alert ids of before hosts were counted",
          "[rules]") {
  ManualClock clock;
  RuleEngine engine({Brute(2)}, clock);
  RecordingSink sink;
  const std::string local = LocalHostName();
  // One line naming this machine, one naming no host (journalctl -o cat): the same host.
  engine.Observe(Fail(kT0, local), sink);
  engine.Observe(Fail(kT0 + 1s, ""), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].host == local);
  CHECK(sink.alerts[0].id == AlertId("test.brute", "192.0.2.1"));
  CHECK(engine.stats().hosts == 1);
}

TEST_CASE("group_by host names the host in the key for every host", "[rules]") {
  ManualClock clock;
  Rule r = Brute(2);
  r.group_key = {KeyPart{KeyField::kHost}, KeyPart{KeyField::kIp}};
  r.group_by = GroupBy::kNone;
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "web1"), sink);
  engine.Observe(Fail(kT0 + 1s, "web2"), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 2s, "web1"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].host == "web1");
  CHECK(sink.alerts[0].id == AlertId("test.brute", Key("web1", "192.0.2.1")));
  CHECK(sink.alerts[0].labels == std::map<std::string, std::string>{{"ip", "192.0.2.1"}});
}

TEST_CASE("per_host false counts across hosts and the alert names this machine", "[rules]") {
  ManualClock clock;
  Rule r = Brute(3);
  r.per_host = false;
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "web1"), sink);
  engine.Observe(Fail(kT0 + 1s, "web2"), sink);
  engine.Observe(Fail(kT0 + 2s, "web3"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].host == LocalHostName());
  CHECK(sink.alerts[0].id == AlertId("test.brute", "192.0.2.1"));
}

TEST_CASE("distinct host fires when one address fails on enough different hosts", "[rules]") {
  ManualClock clock;
  RuleEngine engine({Fleet()}, clock);
  RecordingSink sink;
  const std::vector<std::string> hosts = {"web1", "web2", "web3", "db1", "db2"};
  // Many failures on four hosts are still four hosts.
  for (int round = 0; round < 3; ++round) {
    for (std::size_t h = 0; h < 4; ++h)
      engine.Observe(Fail(kT0 + std::chrono::seconds(round * 4 + int(h)), hosts[h]), sink);
  }
  // Another address on the fifth host is another group.
  engine.Observe(Fail(kT0 + 20s, hosts[4], "198.51.100.9"), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 21s, hosts[4]), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].count == 5);
  CHECK(sink.alerts[0].host == LocalHostName());
  CHECK(sink.alerts[0].labels == std::map<std::string, std::string>{{"ip", "192.0.2.1"}});
  CHECK(engine.stats().hosts == 5);

  SECTION("five hosts spread over more than the window are not a sweep") {
    ManualClock c2;
    RuleEngine slow({Fleet()}, c2);
    RecordingSink s2;
    for (std::size_t h = 0; h < hosts.size(); ++h)
      slow.Observe(Fail(kT0 + std::chrono::minutes(3 * h), hosts[h]), s2);
    CHECK(s2.alerts.empty());
  }
}

TEST_CASE("distinct host keeps no group while one host is all the engine hears from", "[rules]") {
  ManualClock clock;
  RuleEngine engine({Fleet()}, clock);
  RecordingSink sink;
  // A server's own log: one host, many sources. No group could count a second host.
  for (int n = 0; n < 200; ++n)
    engine.Observe(Fail(kT0 + std::chrono::seconds(n), "", "198.51.100." + std::to_string(n)),
                   sink);
  CHECK(engine.stats().groups == 0);
  CHECK(sink.alerts.empty());

  SECTION("the lone host's events within the window count once a second host speaks") {
    // 198.51.100.7 failed here 193 s ago; now four more hosts see it.
    const std::vector<std::string> others = {"web2", "web3", "db1", "db2"};
    for (std::size_t h = 0; h < others.size(); ++h)
      engine.Observe(Fail(kT0 + 200s + std::chrono::seconds(h), others[h], "198.51.100.7"), sink);
    REQUIRE(sink.alerts.size() == 1);
    CHECK(sink.alerts[0].count == 5);
    CHECK(sink.alerts[0].first_seen == kT0 + 7s);  // the lone host's event began it
    CHECK(sink.alerts[0].labels.at("ip") == "198.51.100.7");
  }
  SECTION("a lone host's event older than the window does not count") {
    const std::vector<std::string> others = {"web2", "web3", "db1", "db2"};
    for (std::size_t h = 0; h < others.size(); ++h)
      engine.Observe(Fail(kT0 + 11min + std::chrono::seconds(h), others[h], "198.51.100.7"), sink);
    CHECK(sink.alerts.empty());
    engine.Observe(Fail(kT0 + 11min + 5s, "mail", "198.51.100.7"), sink);
    CHECK(sink.alerts.size() == 1);  // five hosts besides the lone one: fires
  }
  SECTION("a reload keeps what the lone host saw") {
    const std::vector<Rule> same = engine.rules();
    CHECK(engine.ReplaceRules(same).kept == 1);
    const std::vector<std::string> others = {"web2", "web3", "db1", "db2"};
    for (std::size_t h = 0; h < others.size(); ++h)
      engine.Observe(Fail(kT0 + 200s + std::chrono::seconds(h), others[h], "198.51.100.7"), sink);
    REQUIRE(sink.alerts.size() == 1);
    CHECK(sink.alerts[0].count == 5);
  }
}

TEST_CASE("distinct host's memory of the lone host stays bounded", "[rules]") {
  ManualClock clock;
  RuleEngine engine({Fleet()}, clock, /*max_groups=*/64);
  RecordingSink sink;
  // 1,000 sources within one window: at most 64 are remembered, the rest are not, and
  // nothing is lost but those sources' lone-host event.
  for (int n = 0; n < 1000; ++n) {
    engine.Observe(Fail(kT0 + std::chrono::milliseconds(n), "",
                        "10.0." + std::to_string(n / 256) + "." + std::to_string(n % 256)),
                   sink);
  }
  const std::vector<std::string> others = {"web2", "web3", "db1", "db2"};
  // The first source was remembered: with four more hosts it is five.
  for (std::size_t h = 0; h < others.size(); ++h)
    engine.Observe(Fail(kT0 + 2s + std::chrono::seconds(h), others[h], "10.0.0.0"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].count == 5);
  // The last one was not (no room): four hosts.
  for (std::size_t h = 0; h < others.size(); ++h)
    engine.Observe(Fail(kT0 + 8s + std::chrono::seconds(h), others[h], "10.0.3.231"), sink);
  CHECK(sink.alerts.size() == 1);
}

TEST_CASE("a hostile host name is escaped in the alert and cannot fake a label", "[rules]") {
  ManualClock clock;
  RuleEngine engine({Brute(1)}, clock);
  RecordingSink sink;
  // A forwarding machine writes whatever HOSTNAME it likes, NUL included.
  static const std::string hostile = std::string("evil\x1b[2J\0ip", 11);
  engine.Observe(Fail(kT0, hostile), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].host == "evil\\x1b[2J");  // cut at the NUL (a key separator), escaped
  CHECK(sink.alerts[0].labels == std::map<std::string, std::string>{{"ip", "192.0.2.1"}});
  CHECK(sink.alerts[0].summary == "1 from 192.0.2.1 on evil\\x1b[2J");
}
