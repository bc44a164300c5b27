// why's ranking over real sshd lines (Debian 12's sshd, as the e2e runs logged them and
// as syslog writes them), with the shipped rules giving the remedies.
#include "app/why/why_diagnosis.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "app/why/why_remedies.h"
#include "rules/rule_loader.h"
#include "sources/syslog_line.h"

using namespace sshd_health;
using namespace sshd_health::why;

namespace {

const std::vector<Rule>& ShippedRules() {
  static const std::vector<Rule> rules =
      LoadRules({std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules"});
  return rules;
}

ClientEvidence Collect(const ClientQuery& query, const std::vector<std::string>& lines) {
  EvidenceCollector collector(query);
  const SyslogContext ctx{SystemClock::now()};
  for (const auto& line : lines) collector.Observe(RecordFromLine(line, ctx));
  return collector.Finish();
}

struct Fixture {
  ClientQuery query;
  ClientEvidence evidence;
  BanReport bans;
  ServerState server;
  Diagnosis Run() const {
    return Diagnose({.query = query,
                     .evidence = evidence,
                     .bans = bans,
                     .server = server,
                     .rules = ShippedRules()});
  }
};

Fixture For(std::string ip, std::string user, const std::vector<std::string>& lines) {
  Fixture f;
  f.query.ip = std::move(ip);
  f.query.user = std::move(user);
  f.evidence = Collect(f.query, lines);
  f.server.effective = {{"permitrootlogin", "yes"}, {"maxstartups", "2:30:4"}};
  return f;
}

Finding MakeFinding(std::string id, Severity severity, std::string subject, std::string summary,
                    std::string remedy) {
  return Finding{std::move(id), severity, std::move(subject), std::move(summary),
                 std::move(remedy)};
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("why ranks AllowUsers' refusal above the failed password it causes", "[app][why]") {
  const auto f = For("127.0.0.171", "",
                     {
                         "Dec  1 13:26:01 box sshd[4001]: Connection from 127.0.0.171 port 50112 "
                         "on 127.0.0.161 port 2222 rdomain \"\"",
                         "Dec  1 13:26:01 box sshd[4001]: User root from 127.0.0.171 not allowed "
                         "because not listed in AllowUsers",
                         "Dec  1 13:26:02 box sshd[4001]: Failed password for invalid user root "
                         "from 127.0.0.171 port 50112 ssh2",
                         "Dec  1 13:26:02 box sshd[4001]: Connection closed by invalid user root "
                         "127.0.0.171 port 50112 [preauth]",
                     });
  const Diagnosis d = f.Run();
  REQUIRE(d.causes.size() == 1);
  CHECK(d.causes[0].id == "logged.user_not_allowed");
  CHECK(d.causes[0].source == "sshd.auth.user_not_allowed");
  CHECK(d.causes[0].summary == "sshd refuses user root: not listed in AllowUsers");
  CHECK(Contains(Joined(d.causes[0].evidence), "not allowed because not listed in AllowUsers"));
  CHECK(Contains(d.causes[0].remedy, "allowusers"));
  // sshd fails the refused user's password itself: told as the refusal's echo.
  bool echo = false;
  for (const auto& r : d.ruled_out) {
    echo = echo || (r.what.starts_with("1 failed login(s) for root") &&
                    Contains(r.why, "a consequence of \"sshd refuses user root"));
  }
  CHECK(echo);
}

TEST_CASE("why: one wrong password gets the user's remedy, ten get the brute force rule's",
          "[app][why]") {
  const std::string failed =
      "Dec  1 13:27:10 box sshd[4100]: Failed password for root from 203.0.113.9 port 40022 ssh2";
  SECTION("one") {
    const Diagnosis d = For("203.0.113.9", "", {failed}).Run();
    REQUIRE(d.causes.size() == 1);
    CHECK(d.causes[0].summary ==
          "1 failed login(s) for root by password: the credentials were wrong");
    CHECK(d.causes[0].source.empty());
    CHECK(Contains(d.causes[0].remedy, "passwd root"));
  }
  SECTION("ten") {
    const Diagnosis d = For("203.0.113.9", "", std::vector<std::string>(10, failed)).Run();
    REQUIRE(d.causes.size() == 1);
    CHECK(d.causes[0].count == 10);
    CHECK(d.causes[0].source == "sshd.auth.brute_force");
    CHECK(Contains(d.causes[0].remedy, "fail2ban-client status sshd"));
    CHECK(d.causes[0].evidence.size() == kMaxCauseEvidence);
  }
  SECTION("root's password under PermitRootLogin prohibit-password is the config's doing") {
    auto f = For("203.0.113.9", "", {failed});
    f.server.effective["permitrootlogin"] = "without-password";
    const Diagnosis d = f.Run();
    REQUIRE(d.causes.size() == 1);
    CHECK(Contains(d.causes[0].summary, "PermitRootLogin without-password"));
  }
}

TEST_CASE("why: a later successful login rules the failures out", "[app][why]") {
  const Diagnosis d = For("198.51.100.4", "",
                          {
                              "Dec  1 13:28:00 box sshd[4200]: Failed password for deploy from "
                              "198.51.100.4 port 5000 ssh2",
                              "Dec  1 13:28:05 box sshd[4201]: Accepted password for deploy from "
                              "198.51.100.4 port 5002 ssh2",
                          })
                          .Run();
  CHECK(d.causes.empty());
  bool ruled = false;
  for (const auto& r : d.ruled_out)
    ruled = ruled || Contains(r.why, "a later login from it succeeded");
  CHECK(ruled);
  CHECK_FALSE(d.client_side.empty());
}

TEST_CASE("why: a legacy client's cause carries the line that would admit it", "[app][why]") {
  const Diagnosis d = For("127.0.0.173", "",
                          {
                              "Dec  1 13:29:00 box sshd[4300]: Unable to negotiate with "
                              "127.0.0.173 port 41000: no matching key exchange method found. "
                              "Their offer: diffie-hellman-group1-sha1,ext-info-c [preauth]",
                          })
                          .Run();
  REQUIRE(d.causes.size() == 1);
  CHECK(d.causes[0].id == "logged.kex_negotiation");
  CHECK(d.causes[0].source == "sshd.kex.no_common_kex");
  CHECK(Contains(d.causes[0].remedy, "KexAlgorithms +diffie-hellman-group1-sha1\n"));
  CHECK(Contains(d.causes[0].remedy, "less secure"));
  CHECK(AdmittingConfigLine("no matching cipher found. Their offer: aes128-cbc,3des-cbc") ==
        "Ciphers +aes128-cbc");
  CHECK(AdmittingConfigLine("Connection closed") == "");
}

TEST_CASE("why: a MaxStartups drop says how full it was", "[app][why]") {
  const Diagnosis d = For("127.0.0.172", "",
                          {
                              "Dec  1 13:30:00 box sshd[900]: beginning MaxStartups throttling",
                              "Dec  1 13:30:01 box sshd[900]: drop connection #4 from "
                              "[127.0.0.172]:41234 on [127.0.0.162]:2222 past MaxStartups",
                          })
                          .Run();
  REQUIRE(d.causes.size() == 1);
  CHECK(d.causes[0].id == "logged.maxstartups.drop");
  CHECK(Contains(d.causes[0].summary, "(MaxStartups 2:30:4 in effect: start:rate:full)"));
  REQUIRE(d.causes[0].evidence.size() == 2);
  CHECK(Contains(d.causes[0].evidence.front(), "beginning MaxStartups throttling"));
  CHECK(Contains(d.causes[0].evidence.back(), "drop connection #4 from [127.0.0.172]"));
  CHECK(Contains(d.causes[0].remedy, "MaxStartups 50:30:100"));
}

TEST_CASE("why attributes a bad-modes line to the client its process names later", "[app][why]") {
  SECTION("syslog, by pid") {
    const Diagnosis d = For("", "git",
                            {
                                "Dec  1 13:31:00 box sshd[5000]: Authentication refused: bad "
                                "ownership or modes for file /home/git/.ssh/authorized_keys",
                                "Dec  1 13:31:00 box sshd[5001]: Authentication refused: bad "
                                "ownership or modes for file /home/other/.ssh/authorized_keys",
                                "Dec  1 13:31:00 box sshd[5001]: Connection closed by "
                                "authenticating user other 192.0.2.50 port 4000 [preauth]",
                                "Dec  1 13:31:01 box sshd[5000]: Connection closed by "
                                "authenticating user git 192.0.2.51 port 4001 [preauth]",
                            })
                            .Run();
    REQUIRE_FALSE(d.causes.empty());
    CHECK(d.causes[0].id == "logged.bad_modes");
    CHECK(d.causes[0].count == 1);
    CHECK(Contains(Joined(d.causes[0].evidence), "/home/git/.ssh/authorized_keys"));
    CHECK(Contains(d.causes[0].remedy, "chmod"));
  }
  SECTION("sshd -E, no pids: the next line naming a client") {
    const Diagnosis d =
        For("127.0.0.175", "",
            {
                "Connection from 127.0.0.175 port 59703 on 127.0.0.165 port 39725 rdomain \"\"",
                "Authentication refused: bad ownership or modes for file /tmp/keys/authorized_keys",
                "Failed publickey for root from 127.0.0.175 port 59703 ssh2: ED25519 "
                "SHA256:FfYEJGuFvnZk0AvfcF3TBl6DuifVtgv53xUv7XLJors",
            })
            .Run();
    // The failed publickey is the ignored file's echo.
    REQUIRE(d.causes.size() == 1);
    CHECK(d.causes[0].id == "logged.bad_modes");
  }
  SECTION("a failed key alone: the key is not in authorized_keys") {
    const Diagnosis d = For("127.0.0.175", "",
                            {"Failed publickey for root from 127.0.0.175 port 59703 ssh2: ED25519 "
                             "SHA256:FfYEJGuFvnZk0AvfcF3TBl6DuifVtgv53xUv7XLJors"})
                            .Run();
    REQUIRE(d.causes.size() == 1);
    CHECK(Contains(d.causes[0].remedy, "authorized_keys does not hold it"));
  }
}

TEST_CASE("why: a ban outranks what sshd logged, and hosts.deny absorbs the refused lines",
          "[app][why]") {
  auto f = For(
      "192.0.2.66", "",
      {
          "Dec  1 13:32:00 box sshd[6000]: refused connect from 192.0.2.66 (192.0.2.66)",
          "Dec  1 13:32:10 box sshd[6001]: Failed password for root from 192.0.2.66 port 4100 ssh2",
      });
  f.bans.bans.push_back(
      {"hosts.deny", "/etc/hosts.deny: sshd: 192.0.2.66", "edit /etc/hosts.deny"});
  f.bans.looked.push_back({"fail2ban", "jails sshd (0 banned): none holds 192.0.2.66", false});
  const Diagnosis d = f.Run();
  REQUIRE(d.causes.size() == 2);
  CHECK(d.causes[0].id == "banned.hosts.deny");
  CHECK(Contains(Joined(d.causes[0].evidence), "refused connect from 192.0.2.66"));
  CHECK(d.causes[1].id == "logged.auth_failure");
  CHECK(d.ruled_out[0].what == "fail2ban");
}

TEST_CASE("why: sshd down with a broken config names the config first", "[app][why]") {
  auto f = For("192.0.2.80", "", {});
  CheckReport config{
      "config",
      CheckStatus::kCritical,
      {MakeFinding(
          "config.invalid", Severity::kCritical, "/etc/ssh/sshd_config",
          "sshd -t fails: /etc/ssh/sshd_config line 40: Bad configuration option: PermitRootLogn",
          "Fix the line sshd -t names")},
      ""};
  CheckReport live{
      "liveness",
      CheckStatus::kCritical,
      {MakeFinding("liveness.refused", Severity::kCritical, "127.0.0.1:22",
                   "nothing accepts SSH connections on 127.0.0.1:22", "systemctl restart ssh")},
      ""};
  CheckReport keys{"host_keys", CheckStatus::kOk, {}, "3 host keys"};
  f.server.audit.checks = {config, live, keys};
  SECTION("down: the config is why it cannot start") {
    const Diagnosis d = f.Run();
    REQUIRE(d.causes.size() == 2);
    CHECK(d.causes[0].id == "server.config.invalid");
    CHECK(d.causes[1].id == "server.liveness.refused");
    bool keys_ruled_out = false;
    for (const auto& r : d.ruled_out)
      keys_ruled_out = keys_ruled_out || (r.what == "host keys" && r.why == "3 host keys");
    CHECK(keys_ruled_out);
  }
  SECTION("up: the running sshd still works, the config is a warning for the next restart") {
    f.server.audit.checks = {config, keys};
    const Diagnosis d = f.Run();
    REQUIRE(d.causes.size() == 1);
    CHECK(Contains(d.causes[0].summary, "its next restart will fail"));
  }
}

TEST_CASE("why: nothing against the client: no cause, the client-side steps", "[app][why]") {
  const Diagnosis d = For("192.0.2.90", "carol",
                          {
                              "Dec  1 13:33:00 box sshd[7000]: Failed password for dave from "
                              "192.0.2.91 port 4200 ssh2",
                          })
                          .Run();
  CHECK(d.causes.empty());
  CHECK(d.logged.empty());
  const std::string steps = Joined(d.client_side);
  CHECK(Contains(steps, "sshd logged nothing about this client"));
  CHECK(Contains(steps, "ssh -vvv"));
  CHECK(Contains(steps, "ssh-keygen -R"));
  CHECK(Contains(steps, "tracepath"));
}

TEST_CASE("why: lines before --since are left out", "[app][why]") {
  ClientQuery q;
  q.ip = "192.0.2.7";
  const SyslogContext ctx{SystemClock::now()};
  const std::string old_line =
      "2020-01-01T00:00:00+00:00 box sshd[1]: Failed password for root from 192.0.2.7 port 1 ssh2";
  const std::string new_line =
      "2099-01-01T00:00:00+00:00 box sshd[2]: Failed password for root from 192.0.2.7 port 2 ssh2";
  q.since = SystemClock::now();
  EvidenceCollector c(q);
  c.Observe(RecordFromLine(old_line, ctx));
  c.Observe(RecordFromLine(new_line, ctx));
  const ClientEvidence e = c.Finish();
  CHECK(e.records == 2);
  CHECK(e.in_window == 1);
  REQUIRE(e.client.size() == 1);
  CHECK(e.client[0].port == 2);
}

TEST_CASE("why: PerSourcePenalties (OpenSSH 9.8+) outrank the failures that earned them",
          "[app][why]") {
  // tests/data/parse/events.tsv's samples of srclimit_penalise and drop_connection.
  const Diagnosis d =
      For("203.0.113.150", "",
          {"Nov 21 16:31:20 web1 sshd-session[950]: Failed password for root from 203.0.113.150 "
           "port 50900 ssh2",
           "Nov 21 16:31:31 web1 sshd[902]: srclimit_penalise: ipv4: new 203.0.113.150/32 active "
           "penalty of 30 seconds for penalty: failed authentication",
           "Nov 21 16:31:40 web1 sshd[902]: drop connection #0 from [203.0.113.150]:50803 on "
           "[192.0.2.1]:22 penalty: failed authentication"})
          .Run();
  REQUIRE(d.causes.size() == 3);
  CHECK(d.causes[0].id == "logged.penalty.drop");
  CHECK(d.causes[0].source == "sshd.penalty.drop");
  CHECK(Contains(d.causes[0].summary, "PerSourcePenalties"));
  CHECK_FALSE(d.causes[0].remedy.empty());
  CHECK(d.causes[1].id == "logged.penalty.applied");
  CHECK(d.causes[2].id == "logged.auth_failure");
}

TEST_CASE("why: failed logins are told by method", "[app][why]") {
  const Diagnosis d =
      For("192.0.2.30", "",
          {"Dec  1 13:40:00 box sshd[8000]: Failed publickey for deploy from 192.0.2.30 port 4300 "
           "ssh2: ED25519 SHA256:FfYEJGuFvnZk0AvfcF3TBl6DuifVtgv53xUv7XLJors",
           "Dec  1 13:40:02 box sshd[8000]: Failed password for deploy from 192.0.2.30 port 4300 "
           "ssh2",
           "Dec  1 13:40:04 box sshd[8000]: Failed password for deploy from 192.0.2.30 port 4300 "
           "ssh2"})
          .Run();
  REQUIRE(d.causes.size() == 2);
  // Equal weight: the most recent first.
  CHECK(d.causes[0].summary ==
        "2 failed login(s) for deploy by password: the credentials were wrong");
  CHECK(Contains(d.causes[0].remedy, "passwd -S deploy"));
  CHECK(d.causes[1].summary ==
        "1 failed login(s) for deploy by publickey: the credentials were wrong");
  CHECK(Contains(d.causes[1].remedy, "ssh-keygen -lf ~deploy/.ssh/authorized_keys"));
}

TEST_CASE("why never takes the client's address from a crafted user name", "[app][why]") {
  // The name "x from 192.0.2.66 port 22", as sshd logs it for the e2e's injection case.
  const std::vector<std::string> lines = {
      "Dec  1 13:50:00 box sshd[9000]: Invalid user x from 192.0.2.66 port 22 from 127.0.0.121 "
      "port 50000",
      "Dec  1 13:50:01 box sshd[9000]: Failed password for invalid user x from 192.0.2.66 port 22 "
      "from 127.0.0.121 port 50000 ssh2"};
  const Diagnosis injected = For("192.0.2.66", "", lines).Run();
  CHECK(injected.causes.empty());
  CHECK(injected.logged.empty());
  const Diagnosis real = For("127.0.0.121", "", lines).Run();
  REQUIRE_FALSE(real.causes.empty());
  CHECK(real.causes[0].id == "logged.invalid_user");
  CHECK(Contains(real.causes[0].summary, "user x from 192.0.2.66 port 22 does not exist"));
  CHECK(real.causes.size() == 1);  // its failed password is the missing account's echo
}

TEST_CASE("why counts every client's drops for the audits from counts_since", "[app][why]") {
  ClientQuery q;
  q.ip = "192.0.2.7";
  q.since = TimePoint(std::chrono::seconds(1'790'000'000));  // 2026-09-21
  const SyslogContext ctx{SystemClock::now()};
  const std::string drop =
      "2026-11-30T20:00:00+00:00 box sshd[1]: drop connection #3 from [198.51.100.9]:4000 on "
      "[192.0.2.1]:22 past MaxStartups";
  SECTION("after counts_since: counted") {
    EvidenceCollector c(q, q.since);
    c.Observe(RecordFromLine(drop, ctx));
    const ClientEvidence e = c.Finish();
    CHECK(e.maxstartups_drops == 1);
    CHECK(e.client.empty());  // another client's drop
  }
  SECTION("before it: not counted") {
    EvidenceCollector c(q, TimePoint(std::chrono::seconds(1'797'000'000)));  // 2026-12-11
    c.Observe(RecordFromLine(drop, ctx));
    CHECK(c.Finish().maxstartups_drops == 0);
  }
}
