// why's output: the text a terminal shows and the JSON docs/why.md documents, from a
// diagnosis over real lines - one of them carrying a hostile user name.
#include "app/why/why_render.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "rules/rule_loader.h"
#include "sources/syslog_line.h"

using namespace sshd_health;
using namespace sshd_health::why;

namespace {

Diagnosis Sample() {
  static const std::vector<Rule> rules =
      LoadRules({std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules"});
  ClientQuery q;
  q.ip = "192.0.2.7";
  q.since = TimePoint(std::chrono::seconds(1'795'000'000));
  EvidenceCollector c(q);
  const SyslogContext ctx{SystemClock::now()};
  for (const std::string line : {
           "2026-12-01T13:26:01+00:00 box sshd[4001]: User root from 192.0.2.7 not allowed because "
           "not listed in AllowUsers",
           "2026-12-01T13:26:05+00:00 box sshd[4002]: Invalid user a\x1b[31mb from 192.0.2.7 port "
           "50113",
       }) {
    c.Observe(RecordFromLine(line, ctx));
  }
  const ClientEvidence evidence = c.Finish();
  BanReport bans;
  bans.looked.push_back({"nftables", "nft -j list ruleset failed: Operation not permitted", true});
  ServerState server;
  server.effective = {{"allowusers", "deploy"}, {"kexalgorithms", "curve25519-sha256"}};
  server.effective_source =
      "/usr/sbin/sshd -T -C user=-,addr=192.0.2.7,host=192.0.2.7 -f /etc/ssh/sshd_config";
  server.audit.checks = {CheckReport{"liveness", CheckStatus::kOk, {}, "banner in 3 ms"}};
  return Diagnose(
      {.query = q, .evidence = evidence, .bans = bans, .server = server, .rules = rules});
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("why's text: the most likely cause first, evidence, remedy, ruled out", "[app][why]") {
  const std::string text = DiagnosisToText(Sample());
  INFO(text);
  CHECK(text.starts_with("sshd-health why: ip=192.0.2.7 since 2026-11-"));
  CHECK(Contains(text,
                 "(2 log lines read, 2 in the window)\n\n"
                 "Most likely: sshd refuses user root: not listed in AllowUsers  "
                 "[logged.user_not_allowed, sshd.auth.user_not_allowed]\n"
                 "  1 line(s), last at 2026-12-01T13:26:01Z\n"
                 "  evidence:\n"
                 "    2026-12-01T13:26:01+00:00 box sshd[4001]: User root from 192.0.2.7 not "
                 "allowed because not listed in AllowUsers\n"
                 "  remedy:\n"
                 "    The account exists"));
  CHECK(Contains(text, "\n2. user a\\x1b[31mb does not exist on this server (1 attempt(s))"));
  CHECK(Contains(text,
                 "  - nftables: unknown, nft -j list ruleset failed: Operation not permitted\n"));
  CHECK(Contains(text, "  - sshd down: banner in 3 ms\n"));
  CHECK(Contains(text, "  user_not_allowed x1 (2026-12-01T13:26:01Z .. 2026-12-01T13:26:01Z)\n"));
  CHECK(Contains(text, "  allowusers deploy\n"));
  // The long algorithm lists wait for --format json unless a negotiation failed.
  CHECK_FALSE(Contains(text, "curve25519"));
  // No raw escape byte reaches the terminal.
  CHECK(text.find('\x1b') == std::string::npos);
}

TEST_CASE("why's JSON: the documented shape", "[app][why]") {
  const nlohmann::json j = DiagnosisToJson(Sample());
  CHECK(j["schema"] == 1);
  CHECK(j["query"]["ip"] == "192.0.2.7");
  CHECK_FALSE(j["query"].contains("user"));
  CHECK(j["verdict"] == "cause_found");
  REQUIRE(j["causes"].size() == 2);
  const auto& first = j["causes"][0];
  CHECK(first["id"] == "logged.user_not_allowed");
  CHECK(first["source"] == "sshd.auth.user_not_allowed");
  CHECK(first["count"] == 1);
  CHECK(first["last_seen"] == "2026-12-01T13:26:01Z");
  CHECK(first["evidence"].size() == 1);
  CHECK(first["remedy"].get<std::string>().find("sshd -t") != std::string::npos);
  CHECK(j["causes"][1]["summary"] ==
        "user a\\x1b[31mb does not exist on this server (1 attempt(s))");
  CHECK(j["ruled_out"][0] ==
        nlohmann::json({{"what", "nftables"},
                        {"why", "nft -j list ruleset failed: Operation not permitted"},
                        {"unknown", true}}));
  CHECK(j["client_side"].empty());
  CHECK(j["logged"][0]["kind"] == "user_not_allowed");
  CHECK(j["effective"]["kexalgorithms"] == "curve25519-sha256");
  CHECK(j["checks"][0] ==
        nlohmann::json({{"check", "liveness"}, {"status", "ok"}, {"detail", "banner in 3 ms"}}));
  CHECK(j["read"] == nlohmann::json({{"records", 2}, {"in_window", 2}}));
}
