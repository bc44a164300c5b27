// StatusSnapshot: the JSON shape `sshd-health status --format json` prints and the status
// file holds (docs/status.md) reads back to what was written; the text view escapes what
// log lines put into labels and summaries; the pieces come from what the parts report.
#include "app/status_snapshot.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

TimePoint At(long seconds) { return TimePoint(std::chrono::seconds(1'796'000'000 + seconds)); }

StatusSnapshot Sample() {
  StatusSnapshot s;
  s.daemon = {.pid = 4242,
              .pid_start_ticks = 987654,
              .version = "1.2.3",
              .started = At(0),
              .config = "/etc/sshd-health/config.yaml",
              .written = At(100),
              .heartbeat = 15s};
  s.sources.push_back({.name = "file /var/log/auth.log",
                       .kind = "file",
                       .path = "/var/log/auth.log",
                       .open = true,
                       .inode = 1234,
                       .offset = 5678,
                       .cursor = {},
                       .lines = 42,
                       .last_line = At(99)});
  s.sources.push_back({.name = "journal",
                       .kind = "journal",
                       .path = "",
                       .open = true,
                       .inode = 0,
                       .offset = 0,
                       .cursor = "s=abc;i=12",
                       .lines = 7,
                       .last_line = {}});
  s.firing.push_back({.id = "00000000000000ab",
                      .rule = "sshd.auth.bruteforce",
                      .severity = Severity::kWarning,
                      .labels = {{"ip", "192.0.2.7"}, {"user", "root"}},
                      .summary = "12 failed logins from 192.0.2.7",
                      .since = At(40),
                      .last_seen = At(98),
                      .count = 12});
  s.firing_omitted = 3;
  s.audit = StatusAudit{.at = At(50),
                        .status = "warning",
                        .checks = {{"config", "ok", "no findings", 0},
                                   {"host_keys", "warning", "1 finding; worst: mode 0644", 1}}};
  s.notifiers.push_back({.name = "hook",
                         .type = "webhook",
                         .queued = 1,
                         .spooled = 2,
                         .delivered = 3,
                         .failed = 4,
                         .dropped = 5,
                         .last_error = "HTTP 503 from http://127.0.0.1:9/x",
                         .last_error_at = At(90),
                         .last_delivered_at = At(80)});
  return s;
}

}  // namespace

TEST_CASE("A status snapshot reads back from its JSON as it was written", "[app][status]") {
  const StatusSnapshot s = Sample();
  const auto back = StatusFromJson(nlohmann::json::parse(StatusToJson(s).dump()));
  REQUIRE(back);
  CHECK(back->daemon.pid == 4242);
  CHECK(back->daemon.pid_start_ticks == 987654);
  CHECK(back->daemon.started == At(0));
  CHECK(back->daemon.heartbeat == 15s);
  REQUIRE(back->sources.size() == 2);
  CHECK(back->sources[0].offset == 5678);
  CHECK(back->sources[0].inode == 1234);
  CHECK(back->sources[0].last_line == At(99));
  CHECK(back->sources[1].cursor == "s=abc;i=12");
  CHECK(back->sources[1].last_line == TimePoint{});
  REQUIRE(back->firing.size() == 1);
  CHECK(back->firing[0].labels.at("user") == "root");
  CHECK(back->firing[0].since == At(40));
  CHECK(back->firing[0].count == 12);
  CHECK(back->firing_omitted == 3);
  REQUIRE(back->audit);
  CHECK(back->audit->checks.at(1).findings == 1);
  REQUIRE(back->notifiers.size() == 1);
  CHECK(back->notifiers[0].spooled == 2);
  CHECK(back->notifiers[0].last_error_at == At(90));
  // Written again, the same text: nothing is lost or added on the way.
  CHECK(StatusToJson(*back) == StatusToJson(s));
}

TEST_CASE("The status JSON has the documented shape", "[app][status]") {
  const nlohmann::json j = StatusToJson(Sample());
  CHECK(j["schema"] == 1);
  CHECK(j["daemon"]["started"] == "2026-11-30T00:53:20Z");
  CHECK(j["sources"][0]["kind"] == "file");
  CHECK(j["sources"][0].contains("offset"));
  CHECK_FALSE(j["sources"][1].contains("offset"));
  CHECK(j["sources"][1]["last_line"].is_null());
  CHECK(j["alerts"]["firing"][0]["rule"] == "sshd.auth.bruteforce");
  CHECK(j["alerts"]["firing"][0]["severity"] == "warning");
  CHECK(j["audit"]["checks"][1]["check"] == "host_keys");
  CHECK(j["notifiers"][0]["last_error"] == "HTTP 503 from http://127.0.0.1:9/x");
  StatusSnapshot none = Sample();
  none.audit.reset();
  none.notifiers[0].last_error.clear();
  const nlohmann::json k = StatusToJson(none);
  CHECK(k["audit"].is_null());
  CHECK(k["notifiers"][0]["last_error"].is_null());
}

TEST_CASE("A status file of another shape is refused, naming the field", "[app][status]") {
  nlohmann::json j = StatusToJson(Sample());
  j["sources"][0].erase("offset");
  auto r = StatusFromJson(j);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "sources[0].offset: missing");
  j = StatusToJson(Sample());
  j["daemon"]["pid"] = "4242";
  r = StatusFromJson(j);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "daemon.pid: expected an integer");
  j["schema"] = 2;
  r = StatusFromJson(j);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "schema 2 (this version reads 1)");
  CHECK_FALSE(StatusFromJson(nlohmann::json::parse("[1]")));
}

TEST_CASE("The status text names every part with its age", "[app][status]") {
  const std::string text = StatusToText(Sample(), At(160));
  CHECK_THAT(text, Catch::Contains("sshd-health 1.2.3 running: pid 4242, started "
                                   "2026-11-30T00:53:20Z (2m40s ago)"));
  CHECK_THAT(text, Catch::Contains("file /var/log/auth.log: inode 1234, offset 5678\n"
                                   "    42 lines read, last line 2026-11-30T00:54:59Z (1m1s ago)"));
  CHECK_THAT(text,
             Catch::Contains("journal: cursor s=abc;i=12\n    7 lines read, last line never"));
  CHECK_THAT(text, Catch::Contains("Firing alerts (1)\n  warning sshd.auth.bruteforce "
                                   "ip=192.0.2.7 user=root: count 12, since"));
  CHECK_THAT(text, Catch::Contains("(3 more were left out of this list since start"));
  CHECK_THAT(text, Catch::Contains("Last audit: warning, 2026-11-30T00:54:10Z (1m50s ago)"));
  CHECK_THAT(text, Catch::Contains("host_keys        warning  1 finding; worst: mode 0644"));
  CHECK_THAT(text, Catch::Contains("hook (webhook): queued 1, spooled 2, delivered 3, failed 4, "
                                   "dropped 5; last delivery"));
  CHECK_THAT(text, Catch::Contains("last error 2026-11-30T00:54:50Z (1m10s ago): HTTP 503"));
}

TEST_CASE("Hostile label and summary text is escaped in the status text and JSON",
          "[app][status]") {
  StatusSnapshot s = Sample();
  // A user name from a log line, as a forged second line with a terminal escape; and a
  // receiver's error reply with invalid UTF-8.
  s.firing[0].labels["user"] = "x\nFiring alerts (0)\x1b[2J";
  s.firing[0].summary = "sum\rmary";
  s.notifiers[0].last_error = "bad \xff\xfe reply";
  const std::string text = StatusToText(s, At(160));
  CHECK_THAT(text, Catch::Contains("user=x\\x0aFiring alerts (0)\\x1b[2J"));
  CHECK_THAT(text, Catch::Contains("sum\\x0dmary"));
  CHECK_THAT(text, Catch::Contains("bad \\xff\\xfe reply"));
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  const nlohmann::json j = StatusToJson(s);
  CHECK(j["alerts"]["firing"][0]["labels"]["user"] == "x\\x0aFiring alerts (0)\\x1b[2J");
  CHECK(j["notifiers"][0]["last_error"] == "bad \\xff\\xfe reply");
}

TEST_CASE("A glob source reads back with its pattern and file count", "[app][status]") {
  StatusSnapshot s = Sample();
  s.sources = {{.name = "files /var/log/remote/*/auth.log",
                .kind = "glob",
                .path = "/var/log/remote/*/auth.log",
                .open = true,
                .inode = 0,
                .offset = 0,
                .cursor = {},
                .files = 12,
                .lines = 500,
                .last_line = At(99)}};
  const nlohmann::json j = StatusToJson(s);
  CHECK(j["sources"][0]["files"] == 12);
  CHECK_FALSE(j["sources"][0].contains("offset"));
  const auto back = StatusFromJson(j);
  REQUIRE(back);
  CHECK(back->sources.at(0).files == 12);
  CHECK_THAT(StatusToText(s, At(160)),
             Catch::Contains("files /var/log/remote/*/auth.log: 12 files matching\n"
                             "    500 lines read"));
}

TEST_CASE("An audit's status names each check's worst finding", "[app][status]") {
  AuditReport report;
  report.status = CheckStatus::kCritical;
  report.checks.push_back({"config", CheckStatus::kOk, {}, "sshd -T (effective config)"});
  CheckReport keys{"host_keys", CheckStatus::kCritical, {}, ""};
  keys.findings.push_back({"host_key.weak", Severity::kWarning, "/k1", "weak key", ""});
  keys.findings.push_back({"host_key.mode", Severity::kCritical, "/k2", "readable by all", ""});
  report.checks.push_back(keys);
  const StatusAudit a = AuditStatus(report, At(5));
  CHECK(a.status == "critical");
  CHECK(a.at == At(5));
  REQUIRE(a.checks.size() == 2);
  CHECK(a.checks[0].summary == "sshd -T (effective config)");
  CHECK(a.checks[1].summary == "2 findings; worst: readable by all");
  CHECK(a.checks[1].findings == 2);
}
