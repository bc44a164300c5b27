// The rule files in rules/ as shipped: they load, they cover every server-side failure
// of the troubleshooting guide, and their remedies carry the commands an admin needs.
#include <re2/re2.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/text.h"
#include "recording_sink.h"
#include "rules/rule_engine.h"
#include "rules/rule_loader.h"

using namespace sshd_health;

namespace {

// tests/data -> the source tree's rules/.
const std::string kShippedRules =
    (std::filesystem::path(SSHD_HEALTH_TEST_DATA).parent_path().parent_path() / "rules").string();

const std::vector<Rule>& Shipped() {
  REQUIRE(std::filesystem::is_directory(kShippedRules));
  static const std::vector<Rule> rules = LoadRules({kShippedRules});
  return rules;
}

const Rule& Find(const std::string& id) {
  for (const Rule& r : Shipped()) {
    if (r.id == id) return r;
  }
  FAIL("no shipped rule " << id);
  throw std::logic_error("unreachable");
}

bool Covers(const Rule& r, EventKind kind) {
  return r.kinds.empty() || std::find(r.kinds.begin(), r.kinds.end(), kind) != r.kinds.end();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the shipped rule files load", "[rules]") {
  REQUIRE_NOTHROW(Shipped());
  CHECK(Shipped().size() >= 20);
  for (const Rule& r : Shipped()) {
    INFO(r.id);
    CHECK(r.id.rfind("sshd.", 0) == 0);
    CHECK(!r.description.empty());
    CHECK(!r.remedy.empty());
  }
}

TEST_CASE("every server-side failure of the troubleshooting guide has a rule", "[rules]") {
  // The failures the guide and issue 2 name, by the event kind that shows them.
  const EventKind kind = GENERATE(
      EventKind::kAuthFailure, EventKind::kInvalidUser, EventKind::kTooManyAuthFailures,
      EventKind::kMaxStartupsBegin, EventKind::kMaxStartupsDrop, EventKind::kPenaltyDrop,
      EventKind::kKexIdentFailure, EventKind::kBannerInvalid, EventKind::kKexNegotiationFailure,
      EventKind::kHostKeyLoadFailure, EventKind::kBadModes, EventKind::kPubkeyAlgRejected,
      EventKind::kSshdFatal, EventKind::kSshdStarted, EventKind::kSshdStopped,
      EventKind::kUserNotAllowed, EventKind::kTcpwrapRefused, EventKind::kReverseMappingFailure,
      EventKind::kTimeoutBeforeAuth);
  INFO(EventKindName(kind));
  CHECK(std::any_of(Shipped().begin(), Shipped().end(),
                    [&](const Rule& r) { return Covers(r, kind); }));
}

TEST_CASE("shipped rules have the severities and remedies the guide asks for", "[rules]") {
  SECTION("brute force per source address") {
    const Rule& r = Find("sshd.auth.brute_force");
    CHECK(r.group_by == GroupBy::kIp);
    CHECK(Covers(r, EventKind::kAuthFailure));
    CHECK(Covers(r, EventKind::kInvalidUser));
    CHECK(r.threshold > 1);
    CHECK(Contains(r.remedy, "fail2ban"));
  }
  SECTION("MaxStartups") {
    for (const char* id : {"sshd.maxstartups.begin", "sshd.maxstartups.drop"}) {
      const Rule& r = Find(id);
      INFO(id);
      CHECK(r.severity == Severity::kWarning);
      CHECK(Contains(r.remedy, "start:rate:full"));
      CHECK(Contains(r.remedy, "MaxStartups 50:30:100"));
      CHECK(Contains(r.remedy, "sshd -t"));
      CHECK(Contains(r.remedy, "systemctl reload ssh"));
      CHECK(Contains(r.remedy, "fail2ban"));
    }
    CHECK(Covers(Find("sshd.maxstartups.drop"), EventKind::kMaxStartupsDrop));
  }
  SECTION("legacy algorithms") {
    const Rule& r = Find("sshd.kex.no_common_kex");
    CHECK(Contains(r.summary, "{detail}"));
    CHECK(Contains(r.remedy, "diffie-hellman-group1-sha1"));
    CHECK(Contains(r.remedy, "ssh -Q kex"));
    CHECK(Contains(r.remedy, "KexAlgorithms +"));
    CHECK(Contains(r.remedy, "temporary"));
  }
  SECTION("host keys") {
    const Rule& r = Find("sshd.hostkey.load_failure");
    CHECK(r.severity == Severity::kCritical);
    CHECK(Contains(r.remedy, "chmod 600 /etc/ssh/ssh_host_*_key"));
    CHECK(Contains(r.remedy, "chmod 644 /etc/ssh/ssh_host_*_key.pub"));
    CHECK(Contains(r.remedy, "ssh-keygen -A"));
    CHECK(Contains(r.remedy, "systemctl restart ssh"));
  }
  SECTION("users' files") {
    const Rule& r = Find("sshd.auth.bad_modes");
    CHECK(Contains(r.summary, "{detail}"));
    CHECK(Contains(r.remedy, "chmod go-w ~ ~/.ssh"));
    CHECK(Contains(r.remedy, "chmod 600 ~/.ssh/authorized_keys"));
    CHECK(Contains(r.remedy, "StrictModes"));
  }
  SECTION("SHA-1 RSA signatures") {
    const Rule& r = Find("sshd.auth.pubkey_alg_rejected");
    CHECK(Contains(r.remedy, "ssh -Q PubkeyAcceptedAlgorithms"));
    CHECK(Contains(r.remedy, "ed25519"));
    CHECK(Contains(r.remedy, "rsa-sha2-256"));
  }
  SECTION("sshd itself") {
    CHECK(Find("sshd.daemon.fatal").severity == Severity::kCritical);
    CHECK(Contains(Find("sshd.daemon.stopped").remedy, "systemctl status ssh"));
    CHECK(Contains(Find("sshd.daemon.fatal").remedy, "journalctl -u ssh"));
    CHECK(Contains(Find("sshd.daemon.fatal").remedy, "sshd -t"));
  }
  SECTION("too many authentication failures") {
    CHECK(Contains(Find("sshd.auth.too_many_failures").remedy, "IdentitiesOnly yes"));
  }
}

TEST_CASE("each legacy-algorithm rule matches OpenSSH's own message for its algorithm", "[rules]") {
  // ssherr.c's texts for SSH_ERR_NO_*_ALG_MATCH, as sshpkt_fatal logs them:
  // "Unable to negotiate with %s: %s. Their offer: %s".
  const auto [id, message] = GENERATE(table<std::string, std::string>({
      {"sshd.kex.no_common_kex",
       "Unable to negotiate with 192.0.2.7 port 50022: no matching key exchange method "
       "found. Their offer: diffie-hellman-group1-sha1 [preauth]"},
      {"sshd.kex.no_common_hostkey",
       "Unable to negotiate with 192.0.2.7 port 50022: no matching host key type "
       "found. Their offer: ssh-rsa,ssh-dss [preauth]"},
      {"sshd.kex.no_common_cipher",
       "Unable to negotiate with 192.0.2.7 port 50022: no matching cipher found. "
       "Their offer: aes128-cbc,3des-cbc [preauth]"},
      {"sshd.kex.no_common_mac",
       "Unable to negotiate with 192.0.2.7 port 50022: no matching MAC found. Their "
       "offer: hmac-md5 [preauth]"},
  }));
  INFO(id);
  int matched = 0;
  for (const Rule& r : Shipped()) {
    if (!Covers(r, EventKind::kKexNegotiationFailure) || !r.regex) continue;
    if (RE2::PartialMatch(message, *r.regex)) {
      ++matched;
      CHECK(r.id == id);
    }
  }
  CHECK(matched == 1);
}

TEST_CASE("every shipped rule renders a hostile event as clean text", "[rules]") {
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuleEngine engine(Shipped(), clock);
  RecordingSink sink;
  const std::string hostile = "x\r\ny\x1b[2J\x07";
  static const std::string kMessage =
      "no matching key exchange method no matching host key type no matching cipher no "
      "matching MAC";
  for (const auto& k : AllEventKinds()) {
    for (int i = 0; i < 100; ++i) {  // past every shipped threshold
      SshdEvent e;
      e.kind = k.kind;
      e.ip = "192.0.2.9";
      e.user = hostile;
      e.detail = hostile;
      e.port = 22;
      e.message = kMessage;
      e.line = e.message;
      engine.Observe(e, sink);
    }
  }
  std::set<std::string> fired;
  for (const Alert& a : sink.alerts) {
    fired.insert(a.rule);
    INFO(a.rule << ": " << a.summary);
    CHECK(a.summary.find_first_of("\r\n\x1b\x07") == std::string::npos);
    CHECK(a.summary.find("{") == std::string::npos);
    CHECK(EscapeForOutput(a.summary, 100'000) == a.summary);
    CHECK(a.remedy.find_first_of("\r\x1b\x07") == std::string::npos);
  }
  for (const Rule& r : Shipped()) {
    INFO(r.id);
    // Rules this one repeated event cannot satisfy: a first sighting while learning, a
    // count of distinct values, a regex the message does not match, a rule deferring to
    // one this burst fires (tests/rules/detections_test.cpp drives those with real lines).
    const bool reachable = !r.first_seen && !r.distinct && r.unless_fired.empty() &&
                           (!r.regex || RE2::PartialMatch(kMessage, *r.regex));
    if (r.threshold <= 100 && reachable) CHECK(fired.count(r.id) == 1);
  }
}

TEST_CASE("rules/README.md lists every shipped rule", "[rules]") {
  std::ifstream in(kShippedRules + "/README.md");
  REQUIRE(in);
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const Rule& r : Shipped()) {
    INFO(r.id);
    CHECK(Contains(readme, "| `" + r.id + "` |"));
  }
}

TEST_CASE("a client's own pre-auth fatal error is not an sshd failure", "[rules]") {
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuleEngine engine(Shipped(), clock);
  RecordingSink sink;
  SshdEvent e;
  e.kind = EventKind::kSshdFatal;
  e.detail = "userauth_pubkey: parse packet: incomplete message";
  e.message = "fatal: userauth_pubkey: parse packet: incomplete message [preauth]";
  engine.Observe(e, sink);
  CHECK(sink.alerts.empty());
  e.detail = "Cannot bind any address.";
  e.message = "fatal: Cannot bind any address.";
  engine.Observe(e, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].rule == "sshd.daemon.fatal");
  CHECK(sink.alerts[0].summary == "sshd fatal error: Cannot bind any address.");
}

TEST_CASE("the issue-14 kinds an admin must hear about have rules that fire on one event",
          "[rules]") {
  struct Case {
    EventKind kind;
    const char* rule;
    Severity severity;
  };
  const Case c =
      GENERATE(Case{EventKind::kSessionCrash, "sshd.session.crash", Severity::kCritical},
               Case{EventKind::kBindFailed, "sshd.daemon.bind_failed", Severity::kCritical},
               Case{EventKind::kCertRefused, "sshd.auth.cert_refused", Severity::kWarning},
               Case{EventKind::kAuthorizedKeysUnreadable, "sshd.auth.authorized_keys_unreadable",
                    Severity::kWarning},
               Case{EventKind::kKeyRevoked, "sshd.auth.key_revoked", Severity::kWarning},
               Case{EventKind::kKeySourceNotPermitted, "sshd.auth.key_source_not_permitted",
                    Severity::kWarning},
               Case{EventKind::kHostKeyProblem, "sshd.hostkey.problem", Severity::kWarning},
               Case{EventKind::kAccountLocked, "sshd.auth.account_locked", Severity::kWarning},
               Case{EventKind::kAccountExpired, "sshd.auth.account_expired", Severity::kInfo},
               Case{EventKind::kPasswordExpired, "sshd.auth.account_expired", Severity::kInfo},
               Case{EventKind::kSshdRestart, "sshd.daemon.restart", Severity::kInfo},
               Case{EventKind::kJournalSuppressed, "sshd.journal.suppressed", Severity::kWarning});
  INFO(c.rule);
  const Rule& r = Find(c.rule);
  CHECK(Covers(r, c.kind));
  CHECK(r.severity == c.severity);
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuleEngine engine(Shipped(), clock);
  RecordingSink sink;
  SshdEvent e;
  e.kind = c.kind;
  e.ip = "203.0.113.5";
  e.user = "alice";
  e.detail = "example";
  e.message = "example";
  engine.Observe(e, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].rule == c.rule);
  CHECK(!sink.alerts[0].remedy.empty());
}

TEST_CASE("protocol violations and libcrypto errors alert only when they repeat", "[rules]") {
  ManualClock clock(TimePoint(std::chrono::seconds(1'800'000'000)));
  RuleEngine engine(Shipped(), clock);
  RecordingSink sink;
  SshdEvent e;
  e.kind = EventKind::kProtocolViolation;
  e.ip = "203.0.113.6";
  e.detail = "strict KEX violation: KEXINIT was not the first packet";
  for (int i = 0; i < 2; ++i) engine.Observe(e, sink);
  CHECK(sink.alerts.empty());
  engine.Observe(e, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].rule == "sshd.kex.protocol_violation");
}

TEST_CASE("the fleet rule counts distinct hosts per address across hosts", "[rules]") {
  const Rule& r = Find("sshd.fleet.source_many_hosts");
  REQUIRE(r.distinct);
  CHECK(r.distinct->field == KeyField::kHost);
  CHECK_FALSE(r.per_host);
  CHECK(r.group_key == GroupKey{KeyPart{KeyField::kIp}});
  CHECK(r.threshold == 5);
  CHECK(r.window == std::chrono::minutes(10));
  CHECK(Covers(r, EventKind::kAuthFailure));
  CHECK(Covers(r, EventKind::kInvalidUser));
}
