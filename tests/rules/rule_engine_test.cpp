#include "rules/rule_engine.h"

#include <re2/re2.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "recording_sink.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

Rule MakeRule(std::string id, std::vector<EventKind> kinds, GroupBy by, std::uint32_t threshold,
              Duration window, Duration cooldown) {
  Rule r;
  r.id = std::move(id);
  r.description = "test rule";
  r.kinds = std::move(kinds);
  r.group_by = by;
  r.threshold = threshold;
  r.window = window;
  r.cooldown = cooldown;
  r.severity = Severity::kWarning;
  r.summary = "{count} from {ip} user {user} in {window}";
  r.remedy = "block {ip}";
  return r;
}

Rule BruteForce(std::uint32_t threshold = 3, Duration window = 10min, Duration cooldown = 30min) {
  return MakeRule("test.brute", {EventKind::kAuthFailure, EventKind::kInvalidUser}, GroupBy::kIp,
                  threshold, window, cooldown);
}

// Events borrow their line; the tests keep the text in static storage.
SshdEvent Event(
    EventKind kind, TimePoint ts, std::string ip, std::string user = "root",
    std::string_view line = "sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2") {
  SshdEvent e;
  e.kind = kind;
  e.ts = ts;
  e.has_ts = true;
  e.ip = std::move(ip);
  e.user = std::move(user);
  e.port = 4242;
  e.pid = 1;
  e.message = line;
  e.line = line;
  return e;
}

SshdEvent Fail(TimePoint ts, std::string ip = "192.0.2.1", std::string user = "root") {
  return Event(EventKind::kAuthFailure, ts, std::move(ip), std::move(user));
}

}  // namespace

TEST_CASE("a rule fires once its threshold is reached within the window", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(3)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 1s), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 2s), sink);
  REQUIRE(sink.alerts.size() == 1);
  const Alert& a = sink.alerts[0];
  CHECK(a.rule == "test.brute");
  CHECK(a.status == AlertStatus::kFiring);
  CHECK(a.severity == Severity::kWarning);
  CHECK(a.id == AlertId("test.brute", "192.0.2.1"));
  CHECK(a.labels == std::map<std::string, std::string>{{"ip", "192.0.2.1"}});
  CHECK(a.count == 3);
  CHECK(a.first_seen == kT0);
  CHECK(a.last_seen == kT0 + 2s);
  CHECK(a.host == LocalHostName());
  CHECK(a.summary == "3 from 192.0.2.1 user root in 10m");
  CHECK(a.remedy == "block 192.0.2.1");
  CHECK(a.evidence.size() == 3);
}

TEST_CASE("the window slides: events older than the window do not count", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(3, 60s)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 30s), sink);
  // kT0 is exactly one window before this one: outside (now - window, now].
  engine.Observe(Fail(kT0 + 60s), sink);
  CHECK(sink.alerts.empty());
  // kT0 + 30s, + 60s, + 70s are inside.
  engine.Observe(Fail(kT0 + 70s), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].count == 3);
  CHECK(sink.alerts[0].first_seen == kT0 + 30s);
}

TEST_CASE("events spread thinner than the window never fire", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(3, 60s)}, clock);
  RecordingSink sink;
  for (int i = 0; i < 20; ++i) engine.Observe(Fail(kT0 + std::chrono::seconds(31 * i)), sink);
  CHECK(sink.alerts.empty());
}

TEST_CASE("grouping by ip keeps sources apart", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "192.0.2.1"), sink);
  engine.Observe(Fail(kT0 + 1s, "192.0.2.2"), sink);
  engine.Observe(Fail(kT0 + 2s, "2001:db8::1"), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 3s, "192.0.2.2"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].labels.at("ip") == "192.0.2.2");
  CHECK(engine.stats().groups == 3);
}

TEST_CASE("grouping by user counts one user across addresses", "[rules]") {
  ManualClock clock;
  Rule r = MakeRule("test.user", {EventKind::kAuthFailure}, GroupBy::kUser, 2, 10min, 30min);
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "192.0.2.1", "alice"), sink);
  engine.Observe(Fail(kT0 + 1s, "192.0.2.2", "bob"), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Fail(kT0 + 2s, "192.0.2.3", "alice"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].labels == std::map<std::string, std::string>{{"user", "alice"}});
  CHECK(sink.alerts[0].id == AlertId("test.user", "alice"));
}

TEST_CASE("grouping by none counts every matching event together", "[rules]") {
  ManualClock clock;
  Rule r = MakeRule("test.none", {EventKind::kAuthFailure}, GroupBy::kNone, 3, 10min, 30min);
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "192.0.2.1"), sink);
  engine.Observe(Fail(kT0 + 1s, "192.0.2.2"), sink);
  engine.Observe(Fail(kT0 + 2s, "192.0.2.3"), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].labels.empty());
  CHECK(sink.alerts[0].id == AlertId("test.none", ""));
}

TEST_CASE("only events of the rule's kinds count", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2)}, clock);
  RecordingSink sink;
  engine.Observe(Event(EventKind::kAuthSuccess, kT0, "192.0.2.1"), sink);
  engine.Observe(Event(EventKind::kConnectionOpened, kT0, "192.0.2.1"), sink);
  engine.Observe(Fail(kT0 + 1s), sink);
  CHECK(sink.alerts.empty());
  engine.Observe(Event(EventKind::kInvalidUser, kT0 + 2s, "192.0.2.1"), sink);
  CHECK(sink.alerts.size() == 1);
  CHECK(engine.stats().events == 4);
}

TEST_CASE("a regex rule also needs the message to match", "[rules]") {
  ManualClock clock;
  Rule r =
      MakeRule("test.regex", {EventKind::kKexNegotiationFailure}, GroupBy::kIp, 1, 10min, 30min);
  r.regex = std::make_shared<const re2::RE2>("no matching key exchange method");
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  engine.Observe(
      Event(EventKind::kKexNegotiationFailure, kT0, "192.0.2.1", "",
            "Unable to negotiate with 192.0.2.1 port 1: no matching cipher found. Their offer: x"),
      sink);
  CHECK(sink.alerts.empty());
  engine.Observe(
      Event(EventKind::kKexNegotiationFailure, kT0, "192.0.2.1", "",
            "Unable to negotiate with 192.0.2.1 port 1: no matching key exchange method found. "
            "Their offer: diffie-hellman-group1-sha1"),
      sink);
  CHECK(sink.alerts.size() == 1);
}

TEST_CASE("regex and not_regex answer as RE2 does, plain-text patterns included", "[rules]") {
  // Plain-text patterns are matched by a substring search, "^" and plain text by a prefix
  // test; the rest by RE2. Each pattern here is checked against RE2 itself on every message.
  const std::vector<std::string> patterns = {
      "no matching cipher",
      "cipher.found",
      "^Unable",
      "found$",
      "(MAC|cipher)",
      "no matching  cipher",
      "Their offer: x",
      "",
      "[preauth]",
      "\\[preauth\\]$",
      "^",
      "^Unable to n",
      "^nable",
      "^p",
      "^Unable.to",
      "^^Unable",
      "^fatal: Read from socket failed: Connection reset by peer [preauth]x"};
  const std::vector<std::string> messages = {
      "Unable to negotiate with 192.0.2.1 port 1: no matching cipher found",
      "Unable to negotiate with 192.0.2.1 port 1: no matching MAC found. Their offer: x",
      "fatal: Read from socket failed: Connection reset by peer [preauth]", "p", ""};
  for (const std::string& pattern : patterns) {
    for (const bool negate : {false, true}) {
      ManualClock clock;
      Rule r = MakeRule("test.regex", {EventKind::kKexNegotiationFailure}, GroupBy::kNone, 1, 10min,
                        30min);
      (negate ? r.not_regex : r.regex) = std::make_shared<const re2::RE2>(pattern);
      RuleEngine engine({r}, clock);
      RecordingSink sink;
      std::size_t expected = 0;
      for (std::size_t i = 0; i < messages.size(); ++i) {
        const bool matches = RE2::PartialMatch(messages[i], re2::RE2(pattern));
        if (matches != negate) ++expected;
        // An episode of its own each time (the cooldown has passed), so each admitted
        // event fires.
        engine.Observe(Event(EventKind::kKexNegotiationFailure, kT0 + std::chrono::hours(i),
                             "192.0.2.1", "", messages[i]),
                       sink);
        const auto fired =
            std::count_if(sink.alerts.begin(), sink.alerts.end(),
                          [](const Alert& a) { return a.status == AlertStatus::kFiring; });
        INFO("pattern '" << pattern << "' " << (negate ? "not_regex" : "regex") << ", message "
                         << i);
        CHECK(static_cast<std::size_t>(fired) == expected);
      }
    }
  }
}

TEST_CASE("cooldown: no re-fire inside it, still counting, fires again after it", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2, 10min, 30min)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 1s), sink);
  REQUIRE(sink.alerts.size() == 1);
  for (int i = 2; i < 30; ++i) engine.Observe(Fail(kT0 + std::chrono::minutes(i)), sink);
  CHECK(sink.alerts.size() == 1);  // 28 more events, all inside the cooldown
  // Past the cooldown since the firing, the attack goes on: it fires again, with the count so far.
  engine.Observe(Fail(kT0 + 30min + 1s), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kFiring);
  CHECK(sink.alerts[1].count == 31);
  CHECK(sink.alerts[1].first_seen == kT0);
  CHECK(sink.alerts[1].id == sink.alerts[0].id);
  CHECK(sink.alerts[1].evidence.size() == 1);  // the line that fired it again
}

TEST_CASE("a group that fired resolves once quiet for its cooldown", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2, 10min, 30min)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 5min), sink);
  REQUIRE(sink.alerts.size() == 1);
  engine.Expire(kT0 + 5min + 29min, sink);
  CHECK(sink.alerts.size() == 1);
  CHECK(engine.stats().groups == 1);
  engine.Expire(kT0 + 5min + 30min, sink);
  REQUIRE(sink.alerts.size() == 2);
  const Alert& r = sink.alerts[1];
  CHECK(r.status == AlertStatus::kResolved);
  CHECK(r.id == sink.alerts[0].id);
  CHECK(r.labels.at("ip") == "192.0.2.1");
  CHECK(r.count == 2);
  CHECK(r.last_seen == kT0 + 5min);
  CHECK(r.summary.rfind("Resolved (quiet for 30m): 2 from 192.0.2.1", 0) == 0);
  CHECK(engine.stats().groups == 0);
  CHECK(engine.stats().alerts == 2);
}

TEST_CASE("a new event after the quiet time resolves the old episode and starts a new one",
          "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2, 10min, 30min)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 1s), sink);
  engine.Observe(Fail(kT0 + 2h), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kResolved);
  engine.Observe(Fail(kT0 + 2h + 1s), sink);
  REQUIRE(sink.alerts.size() == 3);
  CHECK(sink.alerts[2].status == AlertStatus::kFiring);
  CHECK(sink.alerts[2].count == 2);
  CHECK(sink.alerts[2].first_seen == kT0 + 2h);
}

TEST_CASE("groups that never fired expire silently after their window", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(5, 10min)}, clock);
  RecordingSink sink;
  for (int i = 0; i < 1000; ++i)
    engine.Observe(Fail(kT0, "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)),
                   sink);
  CHECK(engine.stats().groups == 1000);
  engine.Expire(kT0 + 9min, sink);
  CHECK(engine.stats().groups == 1000);
  engine.Expire(kT0 + 10min, sink);
  CHECK(engine.stats().groups == 0);
  CHECK(sink.alerts.empty());
}

TEST_CASE("at max_groups the least recently seen group is evicted and counted", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2)}, clock, 3);
  RecordingSink sink;
  engine.Observe(Fail(kT0, "192.0.2.1"), sink);
  engine.Observe(Fail(kT0 + 1s, "192.0.2.2"), sink);
  engine.Observe(Fail(kT0 + 2s, "192.0.2.3"), sink);
  engine.Observe(Fail(kT0 + 3s, "192.0.2.2"), sink);  // touches .2: .1 is now the oldest
  REQUIRE(sink.alerts.size() == 1);
  engine.Observe(Fail(kT0 + 4s, "192.0.2.4"), sink);
  CHECK(engine.stats().groups == 3);
  CHECK(engine.stats().evictions == 1);
  // .1 lost its first failure with its group: one more does not reach the threshold.
  engine.Observe(Fail(kT0 + 5s, "192.0.2.1"), sink);
  CHECK(sink.alerts.size() == 1);
  CHECK(engine.stats().evictions == 2);
}

TEST_CASE("state returns to its floor after an attack wave", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(3, 10min, 30min)}, clock, 100'000);
  engine.SetStormLimit(0);  // every alert counted here; the storm guard has its own test
  RecordingSink sink;
  for (int i = 0; i < 20'000; ++i) {
    const std::string ip = "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                           "." + std::to_string(i % 256);
    for (int k = 0; k < (i % 2 ? 3 : 1); ++k)
      engine.Observe(Fail(kT0 + std::chrono::milliseconds(i), ip), sink);
  }
  CHECK(sink.alerts.size() == 10'000);
  CHECK(engine.stats().groups == 20'000);
  engine.Expire(kT0 + 1h, sink);
  CHECK(engine.stats().groups == 0);
  CHECK(sink.alerts.size() == 20'000);  // every firing group resolved
  CHECK(engine.stats().evictions == 0);
}

TEST_CASE("events without a timestamp take the injected clock's time", "[rules]") {
  ManualClock clock(kT0);
  RuleEngine engine({BruteForce(2, 60s)}, clock);
  RecordingSink sink;
  SshdEvent e = Fail(TimePoint{});
  e.has_ts = false;
  engine.Observe(e, sink);
  clock.Advance(61s);
  engine.Observe(e, sink);
  CHECK(sink.alerts.empty());  // 61 s apart: outside the 60 s window
  clock.Advance(10s);
  engine.Observe(e, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].first_seen == kT0 + 61s);
  CHECK(sink.alerts[0].last_seen == kT0 + 71s);
}

TEST_CASE("hostile values are escaped in summary, labels and evidence", "[rules]") {
  ManualClock clock;
  Rule r = MakeRule("test.hostile", {EventKind::kInvalidUser}, GroupBy::kUser, 1, 10min, 30min);
  r.summary = "Invalid user {user} from {ip}";
  r.remedy = "line one\nuser: {user}";
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  const std::string user = "evil\r\nFake: header\x1b[31m";
  const std::string line = "sshd[1]: Invalid user " + user + " from 192.0.2.1 port 22";
  engine.Observe(Event(EventKind::kInvalidUser, kT0, "192.0.2.1", user, line), sink);
  REQUIRE(sink.alerts.size() == 1);
  const Alert& a = sink.alerts[0];
  CHECK(a.summary == "Invalid user evil\\x0d\\x0aFake: header\\x1b[31m from 192.0.2.1");
  CHECK(a.remedy == "line one\nuser: evil\\x0d\\x0aFake: header\\x1b[31m");
  CHECK(a.labels.at("user") == "evil\\x0d\\x0aFake: header\\x1b[31m");
  REQUIRE(a.evidence.size() == 1);
  CHECK(a.evidence[0] ==
        "sshd[1]: Invalid user evil\\x0d\\x0aFake: header\\x1b[31m from 192.0.2.1 port 22");
}

TEST_CASE("a huge user name is bounded in the alert", "[rules]") {
  ManualClock clock;
  Rule r = MakeRule("test.long", {EventKind::kInvalidUser}, GroupBy::kUser, 1, 10min, 30min);
  RuleEngine engine({r}, clock);
  RecordingSink sink;
  const std::string user(100'000, 'a');
  engine.Observe(Event(EventKind::kInvalidUser, kT0, "192.0.2.1", user, user), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].summary.size() < 1000);
  CHECK(sink.alerts[0].labels.at("user").size() <= 256);
  CHECK(sink.alerts[0].evidence.at(0).size() <= 512 + 3);  // cut, then "..."
}

TEST_CASE("an event without the grouping field is grouped under an empty key", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(2)}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0, ""), sink);
  engine.Observe(Fail(kT0 + 1s, ""), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].labels.empty());
  CHECK(sink.alerts[0].summary == "2 from - user root in 10m");
}

TEST_CASE("one event can fire several rules", "[rules]") {
  ManualClock clock;
  Rule a = MakeRule("test.a", {EventKind::kAuthFailure}, GroupBy::kIp, 1, 10min, 30min);
  Rule b = MakeRule("test.b", {}, GroupBy::kNone, 1, 10min, 30min);  // no kinds: every kind
  b.regex = std::make_shared<const re2::RE2>("Failed");
  RuleEngine engine({a, b}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[0].rule == "test.a");
  CHECK(sink.alerts[1].rule == "test.b");
}

TEST_CASE("a large threshold counts in buckets: bounded memory, a window up to one bucket late",
          "[rules]") {
  ManualClock clock;
  // 160 s window in 16 buckets of 10 s.
  RuleEngine engine({BruteForce(100, 160s)}, clock);
  RecordingSink sink;
  SECTION("100 events within the window fire") {
    for (int i = 0; i < 100; ++i) engine.Observe(Fail(kT0 + std::chrono::seconds(i)), sink);
    REQUIRE(sink.alerts.size() == 1);
    CHECK(sink.alerts[0].count == 100);
    CHECK(sink.alerts[0].first_seen == kT0);
  }
  SECTION("100 events spread over twice the window do not") {
    for (int i = 0; i < 100; ++i)
      engine.Observe(Fail(kT0 + std::chrono::milliseconds(i * 3200)), sink);
    CHECK(sink.alerts.empty());
  }
}

TEST_CASE("a huge threshold over many groups does not allocate per threshold", "[rules]") {
  ManualClock clock;
  RuleEngine engine({BruteForce(100'000, 1h)}, clock);
  RecordingSink sink;
  // Would need 100,000 x 800 KB with a ring of times per group.
  for (int i = 0; i < 100'000; ++i)
    engine.Observe(Fail(kT0, "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256)),
                   sink);
  CHECK(engine.stats().groups == 100'000);
  CHECK(sink.alerts.empty());
}

TEST_CASE("a reload keeps the state of unchanged rules and starts changed ones afresh",
          "[rules][reload]") {
  ManualClock clock;
  Rule other = MakeRule("test.other", {EventKind::kAuthFailure}, GroupBy::kIp, 3, 10min, 30min);
  RuleEngine engine({BruteForce(3), other}, clock);
  RecordingSink sink;
  engine.Observe(Fail(kT0), sink);
  engine.Observe(Fail(kT0 + 1s), sink);
  CHECK(sink.alerts.empty());

  SECTION("the same rules, loaded again (other RE2 objects, other lines): all kept") {
    Rule again = BruteForce(3);
    again.origin = {"elsewhere.yaml", 99};
    const RuleReplacement r = engine.ReplaceRules({again, other});
    CHECK(r.kept == 2);
    CHECK(r.reset == 0);
    engine.Observe(Fail(kT0 + 2s), sink);
    REQUIRE(sink.alerts.size() == 2);  // the third failure fires both, as without a reload
  }
  SECTION("one rule changed: it starts afresh, the other keeps counting") {
    Rule changed = other;
    changed.threshold = 4;
    const RuleReplacement r = engine.ReplaceRules({BruteForce(3), changed});
    CHECK(r.kept == 1);
    CHECK(r.reset == 1);
    engine.Observe(Fail(kT0 + 2s), sink);
    REQUIRE(sink.alerts.size() == 1);
    CHECK(sink.alerts[0].rule == "test.brute");
  }
  SECTION("a firing group stays firing across a reload: no second alert, a resolved one later") {
    engine.Observe(Fail(kT0 + 2s), sink);
    REQUIRE(sink.alerts.size() == 2);
    engine.ReplaceRules({BruteForce(3), other});
    engine.Observe(Fail(kT0 + 3s), sink);
    CHECK(sink.alerts.size() == 2);
    engine.Expire(kT0 + 3s + 30min, sink);
    REQUIRE(sink.alerts.size() == 4);
    CHECK(sink.alerts[2].status == AlertStatus::kResolved);
    CHECK(sink.alerts[2].count == 4);
  }
}

TEST_CASE("rules compare by definition: regex by its pattern, not by where it was written",
          "[rules][reload]") {
  Rule a = BruteForce(3);
  a.regex = std::make_shared<const re2::RE2>("Failed");
  Rule b = a;
  b.regex = std::make_shared<const re2::RE2>("Failed");
  b.origin = {"other.yaml", 7};
  CHECK(a == b);
  b.regex = std::make_shared<const re2::RE2>("Failed password");
  CHECK_FALSE(a == b);
  b = a;
  b.cooldown = 31min;
  CHECK_FALSE(a == b);
}
