// The issue-16 shipped rules (rules/detections.yaml), each driven by the catalogue's real
// sample lines through the real parser: the attack fires, the near miss does not.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "core/text.h"
#include "sample_feed.h"

using namespace sshd_health;
using namespace sshd_health::test;
using namespace std::chrono_literals;

namespace {

// The samples' own addresses and users, swapped per test.
const std::string& kFailed() {
  static const std::string s =
      SampleLine("auth_failure", "Failed password for admin from 192.0.2.12");
  return s;
}
const Sample& kInvalid() { return SampleStarting("invalid_user", "Invalid user "); }
const std::string& kAcceptedPassword() {
  static const std::string s =
      SampleLine("auth_success", "Accepted password for alice from 192.0.2.18");
  return s;
}
const std::string& kAcceptedKey() {
  static const std::string s =
      SampleLine("auth_success", "Accepted publickey for test from 192.0.2.17");
  return s;
}
const std::string& kAcceptedRoot() {
  static const std::string s = SampleLine("auth_success", "for root from 192.0.2.19");
  return s;
}

std::string Failed(const std::string& ip, const std::string& user = "alice") {
  return Swap(Swap(kFailed(), "192.0.2.12", ip), "admin", user);
}
std::string Invalid(const std::string& ip, const std::string& user) {
  const Sample& s = kInvalid();
  return Swap(Swap(s.message, s.ip, ip), " " + s.user + " ", " " + user + " ");
}
std::string Accepted(const std::string& ip, const std::string& user = "alice") {
  return Swap(Swap(kAcceptedPassword(), "192.0.2.18", ip), "alice", user);
}
std::string AcceptedKey(const std::string& ip, const std::string& fp = "") {
  std::string line = Swap(kAcceptedKey(), "192.0.2.17", ip);
  if (!fp.empty()) line = Swap(line, "3zNRp4y6kRDrjzH+BqBTQ7cNAVQqLL3sXgSG/5hbGs8", fp);
  return line;
}

}  // namespace

TEST_CASE("success_after_failures: a login after 5 failures from the source is critical",
          "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.success_after_failures"}));
  for (int i = 0; i < 6; ++i) {
    REQUIRE(f.Feed(Failed("198.51.100.7")));
    f.clock.Advance(1min);
  }
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  REQUIRE(f.Firing("sshd.auth.success_after_failures") == 1);
  const Alert& a = *f.Last("sshd.auth.success_after_failures");
  CHECK(a.severity == Severity::kCritical);
  CHECK(a.summary == "Login after 6 failures: alice logged in from 198.51.100.7 by password -");
  CHECK(a.labels.at("ip") == "198.51.100.7");  // a whole address shows as itself
  CHECK(a.count == 6);
  // Evidence: the first failure, the last three, the login.
  REQUIRE(a.evidence.size() == 5);
  CHECK(a.evidence.front().find("Failed password") != std::string::npos);
  CHECK(a.evidence.back().find("Accepted password") != std::string::npos);
  CHECK(a.remedy.find("last -n 20") != std::string::npos);
  CHECK(a.remedy.find("authorized_keys") != std::string::npos);
  CHECK(a.remedy.find("passwd <user>") != std::string::npos);

  SECTION("the failures are used up: a second login does not fire again") {
    f.clock.Advance(1min);
    REQUIRE(f.Feed(Accepted("198.51.100.7")));
    CHECK(f.Firing("sshd.auth.success_after_failures") == 1);
  }
}

TEST_CASE("success_after_failures names the key that got in", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.success_after_failures"}));
  for (int i = 0; i < 5; ++i) REQUIRE(f.Feed(Invalid("2001:db8:1:2::5", "u" + std::to_string(i))));
  // Another address of the same /64.
  REQUIRE(f.Feed(AcceptedKey("2001:db8:1:2::99")));
  REQUIRE(f.Firing("sshd.auth.success_after_failures") == 1);
  CHECK(f.Last("sshd.auth.success_after_failures")->summary ==
        "Login after 5 failures: test logged in from 2001:db8:1:2::99 by publickey "
        "SHA256:3zNRp4y6kRDrjzH+BqBTQ7cNAVQqLL3sXgSG/5hbGs8");
}

TEST_CASE("success_after_failures stays quiet below 5 failures or after the hour", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.success_after_failures"}));
  for (int i = 0; i < 4; ++i) REQUIRE(f.Feed(Failed("198.51.100.7")));
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  CHECK(f.Firing("sshd.auth.success_after_failures") == 0);
  REQUIRE(f.Feed(Failed("198.51.100.7")));
  f.clock.Advance(1h);
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  CHECK(f.Firing("sshd.auth.success_after_failures") == 0);
  // Failures from elsewhere do not count for this source.
  for (int i = 0; i < 5; ++i) REQUIRE(f.Feed(Failed("203.0.113.9")));
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  CHECK(f.Firing("sshd.auth.success_after_failures") == 0);
}

TEST_CASE("new_source: a user's login from a new /24 after the learning week", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.new_source"}));
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  f.clock.Advance(24h * 6);
  REQUIRE(f.Feed(Accepted("203.0.113.1")));  // still learning: nothing
  CHECK(f.Firing("sshd.auth.new_source") == 0);
  f.clock.Advance(48h);
  REQUIRE(f.Feed(Accepted("198.51.100.200")));  // the same /24 as on day one
  REQUIRE(f.Feed(Accepted("203.0.113.77")));    // the /24 learned on day six
  CHECK(f.Firing("sshd.auth.new_source") == 0);
  REQUIRE(f.Feed(Accepted("192.0.2.5")));
  REQUIRE(f.Firing("sshd.auth.new_source") == 1);
  CHECK(f.Last("sshd.auth.new_source")->summary ==
        "alice logged in from a new network: 192.0.2.5 (not seen for this user in 90 days), by "
        "password");
  CHECK(f.Last("sshd.auth.new_source")->labels.at("ip") == "192.0.2.0/24");
  CHECK(f.Last("sshd.auth.new_source")->labels.at("user") == "alice");
  // Another user from a known network is new for that user.
  REQUIRE(f.Feed(Accepted("198.51.100.7", "bob")));
  CHECK(f.Firing("sshd.auth.new_source") == 2);
  // After 90 days a network is new again.
  f.clock.Advance(24h * 91);
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  CHECK(f.Firing("sshd.auth.new_source") == 3);
}

TEST_CASE("new_source's memory survives a restart through its saved record", "[rules]") {
  std::string saved;
  const TimePoint day8 = TimePoint(std::chrono::seconds(1'800'000'000)) + 24h * 8;
  {
    SampleFeed f(ShippedRules({"sshd.auth.new_source"}));
    REQUIRE(f.Feed(Accepted("198.51.100.7")));
    saved = f.engine.SaveMemory();
  }
  CHECK(saved.find("alice") == std::string::npos);  // hashes only, no log text
  CHECK(saved.find("198.51.100") == std::string::npos);
  SampleFeed again(ShippedRules({"sshd.auth.new_source"}), day8);
  REQUIRE(again.engine.LoadMemory(saved).value() == 1);
  CHECK(again.engine.stats().first_seen_keys == 1);
  REQUIRE(again.Feed(Accepted("198.51.100.9")));  // known network: quiet
  CHECK(again.Firing("sshd.auth.new_source") == 0);
  REQUIRE(again.Feed(Accepted("192.0.2.9")));  // learned for 8 days since: fires
  CHECK(again.Firing("sshd.auth.new_source") == 1);

  SampleFeed fresh(ShippedRules({"sshd.auth.new_source"}), day8);
  REQUIRE(fresh.Feed(Accepted("192.0.2.9")));  // without the record it is learning again
  CHECK(fresh.Firing("sshd.auth.new_source") == 0);

  SECTION("a damaged record is refused, not half trusted") {
    SampleFeed damaged(ShippedRules({"sshd.auth.new_source"}), day8);
    CHECK_FALSE(damaged.engine.LoadMemory("garbage\n").has_value());
    CHECK_FALSE(damaged.engine.LoadMemory(saved.substr(0, saved.size() - 5) + "zz\n").has_value());
  }
}

TEST_CASE("new_source's memory survives a reload of the rules", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.new_source"}));
  REQUIRE(f.Feed(Accepted("198.51.100.7")));
  f.engine.ReplaceRules(ShippedRules({"sshd.auth.new_source", "sshd.auth.root_login"}));
  f.clock.Advance(24h * 8);
  REQUIRE(f.Feed(Accepted("198.51.100.8")));
  CHECK(f.Firing("sshd.auth.new_source") == 0);
  CHECK(f.engine.stats().first_seen_keys == 1);
}

TEST_CASE("new_key: a key not seen for the user", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.new_key"}));
  REQUIRE(f.Feed(AcceptedKey("198.51.100.7")));
  f.clock.Advance(24h * 8);
  REQUIRE(f.Feed(AcceptedKey("203.0.113.1")));  // the same key elsewhere: not new_key's business
  REQUIRE(f.Feed(Accepted("203.0.113.1", "test")));  // a password login has no key
  CHECK(f.Firing("sshd.auth.new_key") == 0);
  REQUIRE(f.Feed(AcceptedKey("198.51.100.7", "AAAAnewkeynewkeynewkeynewkeynewkeynewkeyAAAA")));
  REQUIRE(f.Firing("sshd.auth.new_key") == 1);
  CHECK(f.Last("sshd.auth.new_key")->summary ==
        "test logged in from 198.51.100.7 with a key not seen for this user in 90 days: "
        "SHA256:AAAAnewkeynewkeynewkeynewkeynewkeynewkeyAAAA");
}

TEST_CASE("root_login: root logged in", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.root_login"}));
  REQUIRE(f.Feed(Accepted("198.51.100.7", "rooted")));
  CHECK(f.Firing("sshd.auth.root_login") == 0);
  REQUIRE(f.Feed(kAcceptedRoot()));
  REQUIRE(f.Firing("sshd.auth.root_login") == 1);
  CHECK(f.Last("sshd.auth.root_login")->summary ==
        "root logged in from 192.0.2.19 by keyboard-interactive/pam -");
}

TEST_CASE("slow_brute_force: 100 failures from one /24 in a day, spread out", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.slow_brute_force", "sshd.auth.brute_force"}));
  // Four neighbours take turns, each too slow for the fast rule.
  for (int i = 0; i < 99; ++i) {
    REQUIRE(f.Feed(Failed("198.51.100." + std::to_string(10 + i % 4))));
    f.clock.Advance(14min);
  }
  CHECK(f.Firing("sshd.auth.slow_brute_force") == 0);
  REQUIRE(f.Feed(Failed("198.51.100.77")));
  REQUIRE(f.Firing("sshd.auth.slow_brute_force") == 1);
  CHECK(f.Firing("sshd.auth.brute_force") == 0);  // too slow for the fast rule
  CHECK(f.Last("sshd.auth.slow_brute_force")->labels.at("ip") == "198.51.100.0/24");
}

TEST_CASE("slow_brute_force: quiet for a network the fast rule reported (unless_fired)",
          "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.slow_brute_force", "sshd.auth.brute_force"}));
  for (int i = 0; i < 10; ++i) REQUIRE(f.Feed(Failed("198.51.100.7")));
  REQUIRE(f.Firing("sshd.auth.brute_force") == 1);
  // The same source goes on slowly for the rest of the day: the fast rule told already.
  for (int i = 0; i < 150; ++i) {
    f.clock.Advance(8min);
    REQUIRE(f.Feed(Failed("198.51.100.7")));
  }
  CHECK(f.Firing("sshd.auth.slow_brute_force") == 0);
  // Another network, never reported, still fires.
  for (int i = 0; i < 100; ++i) {
    f.clock.Advance(1min);
    REQUIRE(f.Feed(Failed("203.0.113." + std::to_string(i % 5))));
  }
  CHECK(f.Firing("sshd.auth.slow_brute_force") == 1);
}

TEST_CASE("user_enumeration: 10 different invalid users from one source", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.user_enumeration"}));
  for (int i = 0; i < 20; ++i) REQUIRE(f.Feed(Invalid("198.51.100.7", "same")));
  CHECK(f.Firing("sshd.auth.user_enumeration") == 0);  // one name, many times: not this
  for (int i = 0; i < 8; ++i) REQUIRE(f.Feed(Invalid("198.51.100.7", "user" + std::to_string(i))));
  CHECK(f.Firing("sshd.auth.user_enumeration") == 0);
  REQUIRE(f.Feed(Invalid("198.51.100.7", "oracle")));
  REQUIRE(f.Firing("sshd.auth.user_enumeration") == 1);
  CHECK(f.Last("sshd.auth.user_enumeration")->summary ==
        "User enumeration: 198.51.100.7 tried 10 different invalid user names within 1h (last: "
        "oracle)");
}

TEST_CASE("distributed: one user, 10 sources in an hour - IPv6 counts by /64", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.distributed"}));
  // 20 addresses of one /64 are one source.
  for (int i = 1; i <= 20; ++i) REQUIRE(f.Feed(Failed("2001:db8:5:5::" + std::to_string(i))));
  for (int i = 1; i <= 8; ++i) REQUIRE(f.Feed(Failed("198.51.100." + std::to_string(i))));
  CHECK(f.Firing("sshd.auth.distributed") == 0);
  REQUIRE(f.Feed(Failed("203.0.113.4")));
  REQUIRE(f.Firing("sshd.auth.distributed") == 1);
  CHECK(f.Last("sshd.auth.distributed")->summary ==
        "Distributed attack on alice: failures from 10 different sources within 1h (latest "
        "203.0.113.4)");
}

TEST_CASE("distributed: a firing group counts up to 4,096 sources, then keeps its count",
          "[rules]") {
  // A scan wave against one user: the count stops at the bound, further new sources and
  // repeats keep the episode alive without changing it, and the resolved alert says 4,096.
  SampleFeed f(ShippedRules({"sshd.auth.distributed"}));
  auto source = [](int i) {
    return "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
           std::to_string(i % 256);
  };
  for (int i = 0; i < 5000; ++i) {
    REQUIRE(f.Feed(Failed(source(i))));
    if (i % 100 == 0) f.clock.Advance(1s);
  }
  for (int i = 0; i < 50; ++i) REQUIRE(f.Feed(Failed(source(i))));  // sources held already
  REQUIRE(f.Firing("sshd.auth.distributed") == 1);
  f.clock.Advance(5h);
  REQUIRE(f.Feed(Failed(source(6000))));  // a new one past the bound, within the cooldown
  CHECK(f.Firing("sshd.auth.distributed") == 1);
  CHECK(f.sink.Count("sshd.auth.distributed", AlertStatus::kResolved) == 0);
  f.clock.Advance(std::chrono::hours(7));
  f.engine.Expire(f.clock.Now(), f.sink);
  REQUIRE(f.sink.Count("sshd.auth.distributed", AlertStatus::kResolved) == 1);
  CHECK(f.Last("sshd.auth.distributed")->count == 4096);
}

TEST_CASE("session.crash: a session process killed by a signal is critical", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.session.crash"}));
  REQUIRE(f.Feed(SampleLine("session_crash", "killed by signal 11")));
  REQUIRE(f.Firing("sshd.session.crash") == 1);
  CHECK(f.Last("sshd.session.crash")->severity == Severity::kCritical);
}

TEST_CASE("grace_timeouts: a burst of LoginGraceTime timeouts", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.grace_timeouts"}));
  const Sample& sample =
      SampleStarting("timeout_before_auth", "fatal: Timeout before authentication for ");
  const std::string& line = sample.message;
  for (int i = 0; i < 29; ++i) {
    REQUIRE(f.Feed(Swap(line, sample.ip, "198.51.100." + std::to_string(i + 1))));
    f.clock.Advance(10s);
  }
  CHECK(f.Firing("sshd.auth.grace_timeouts") == 0);
  REQUIRE(f.Feed(line));
  CHECK(f.Firing("sshd.auth.grace_timeouts") == 1);
}

TEST_CASE("penalised_client: sshd penalised an address that had logged in", "[rules]") {
  SampleFeed f(ShippedRules({"sshd.auth.penalised_client"}));
  const std::string penalty = SampleLine(
      "penalty_applied", "srclimit_penalise: ipv4: new 192.0.2.10/32 active penalty of 3 ");
  REQUIRE(f.Feed(penalty));  // never logged in: an attacker, sshd.penalty.drop's business
  CHECK(f.Firing("sshd.auth.penalised_client") == 0);
  REQUIRE(f.Feed(Accepted("192.0.2.10")));
  f.clock.Advance(48h);
  REQUIRE(f.Feed(penalty));
  REQUIRE(f.Firing("sshd.auth.penalised_client") == 1);
  CHECK(f.Last("sshd.auth.penalised_client")->remedy.find("PerSourcePenaltyExemptList") !=
        std::string::npos);
}
