#include "app/scan_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "app/scan_alert_collector.h"
#include "core/text.h"
#include "core/time_format.h"

using namespace sshd_health;

namespace {

TimePoint At(long long secs, long long micros = 0) {
  return TimePoint(std::chrono::seconds(secs)) + std::chrono::microseconds(micros);
}

SshdEvent FailedPassword(std::string_view line) {
  SshdEvent e;
  e.kind = EventKind::kAuthFailure;
  e.ts = At(1'795'278'662);  // 2026-11-21T16:31:02Z
  e.has_ts = true;
  e.ip = "192.0.2.7";
  e.port = 4242;
  e.user = "root";
  e.pid = 123;
  e.line = line;
  return e;
}

Alert BruteForce() {
  Alert a;
  a.id = AlertId("sshd.auth.bruteforce", "192.0.2.7");
  a.rule = "sshd.auth.bruteforce";
  a.severity = Severity::kWarning;
  a.host = "box";
  a.summary = "12 failed logins from 192.0.2.7";
  a.remedy = "Check who it is:\n  journalctl -u ssh\nThen block it.";
  a.labels = {{"ip", "192.0.2.7"}};
  a.count = 12;
  a.first_seen = At(1'795'278'662);
  a.last_seen = At(1'795'278'700);
  a.evidence = {"line one"};
  return a;
}

}  // namespace

TEST_CASE("an event prints as the DESIGN.md record, fields in order", "[scan]") {
  const std::string line =
      "Nov 21 16:31:02 box sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2";
  std::string out;
  AppendEventJson(FailedPassword(line), out);
  CHECK(out ==
        "{\"ts\": \"2026-11-21T16:31:02Z\", \"kind\": \"auth_failure\", \"ip\": \"192.0.2.7\", "
        "\"port\": 4242, \"user\": \"root\", \"pid\": 123, \"line\": \"" +
            line + "\"}\n");
}

TEST_CASE("an event's absent fields are omitted and a detail is added", "[scan]") {
  SshdEvent e;
  e.kind = EventKind::kMaxStartupsBegin;
  e.line = "srv sshd[1]: beginning MaxStartups throttling";
  e.detail = "10:30:100";
  std::string out;
  AppendEventJson(e, out);
  CHECK(out ==
        "{\"kind\": \"maxstartups_begin\", \"line\": \"srv sshd[1]: beginning MaxStartups "
        "throttling\", \"detail\": \"10:30:100\"}\n");
}

TEST_CASE("sub-second timestamps keep their microseconds", "[scan]") {
  SshdEvent e = FailedPassword("x");
  e.ts = At(1'795'278'662, 123'456);
  std::string out;
  AppendEventJson(e, out);
  CHECK_THAT(out, Catch::StartsWith("{\"ts\": \"2026-11-21T16:31:02.123456Z\""));
  out.clear();
  AppendEventText(e, out);
  CHECK_THAT(out, Catch::StartsWith("2026-11-21T16:31:02.123456Z auth_failure"));
}

TEST_CASE("hostile bytes in an event stay inside one escaped JSON line", "[scan]") {
  static constexpr char kLine[] = "Failed password for \"x\\\" from 1.2.3.4\n\x1b[31m\0\xff";
  const std::string line(kLine, sizeof kLine - 1);
  SshdEvent e = FailedPassword(line);
  e.user = "a\"b\\c\nd\x7f";
  std::string out;
  AppendEventJson(e, out);
  REQUIRE(out.back() == '\n');
  CHECK(out.find('\n') == out.size() - 1);
  const auto j = nlohmann::json::parse(out);
  CHECK(j["user"] == "a\"b\\c\\x0ad\\x7f");
  CHECK(j["line"] == "Failed password for \"x\\\" from 1.2.3.4\\x0a\\x1b[31m\\x00\\xff");
  CHECK(j["ip"] == "192.0.2.7");
}

TEST_CASE("an overlong line is bounded in the event record", "[scan]") {
  const std::string line(20'000, 'a');
  std::string out;
  AppendEventJson(FailedPassword(line), out);
  const auto j = nlohmann::json::parse(out);
  const std::string got = j["line"];
  CHECK(got.size() <= kMaxOutputLine + 3);
  CHECK_THAT(got, Catch::EndsWith("..."));
}

TEST_CASE("an event prints as one readable text line", "[scan]") {
  std::string out;
  AppendEventText(FailedPassword("Nov 21 16:31:02 box sshd[123]: Failed password"), out);
  CHECK(out ==
        "2026-11-21T16:31:02Z auth_failure ip=192.0.2.7 port=4242 user=\"root\" pid=123 | "
        "Nov 21 16:31:02 box sshd[123]: Failed password\n");
}

TEST_CASE("a hostile user name cannot forge fields or lines in the text format", "[scan]") {
  SshdEvent e = FailedPassword("line\nforged 1.2.3.4");
  e.has_ts = false;
  e.user = "x\" ip=1.2.3.4\n";
  std::string out;
  AppendEventText(e, out);
  CHECK(out ==
        "- auth_failure ip=192.0.2.7 port=4242 user=\"x\\\" ip=1.2.3.4\\x0a\" pid=123 | "
        "line\\x0aforged 1.2.3.4\n");
}

TEST_CASE("an alert prints as AlertToJson in JSON and as one line in text", "[scan]") {
  const Alert a = BruteForce();
  std::string json;
  AppendAlertJson(a, json);
  CHECK(json == AlertToJsonLine(a) + "\n");
  CHECK(nlohmann::json::parse(json) == AlertToJson(a));

  std::string text;
  AppendAlertText(a, text);
  CHECK(text ==
        "WARNING sshd.auth.bruteforce [firing] host=\"box\" ip=\"192.0.2.7\" count=12 "
        "first=2026-11-21T16:31:02Z last=2026-11-21T16:31:40Z: 12 failed logins from "
        "192.0.2.7\n"
        "    Check who it is:\n"
        "      journalctl -u ssh\n"
        "    Then block it.\n");
}

TEST_CASE("a hostile alert label, summary or remedy cannot forge a text line", "[scan]") {
  Alert a = BruteForce();
  a.labels = {{"user", "evil\nCRITICAL fake [firing]"}};
  a.summary = "bad\r\nthing";
  a.remedy = "fix it\x1b[2J";
  std::string text;
  AppendAlertText(a, text);
  CHECK(text.find('\r') == std::string::npos);
  // Exactly two lines: the record and its indented remedy.
  CHECK(text.find('\n') == text.find("\n    fix it\\x1b[2J\n"));
  CHECK(text.find('\n', text.find('\n') + 1) == text.size() - 1);
  CHECK_THAT(text, Catch::Contains("user=\"evil\\x0aCRITICAL fake [firing]\""));
  CHECK_THAT(text, Catch::Contains(": bad\\x0d\\x0athing\n"));
}

TEST_CASE("a scan reports each alert id once with totals across episodes", "[scan]") {
  ScanAlertCollector collector;
  Alert first = BruteForce();
  first.count = 5;
  first.first_seen = At(100);
  first.last_seen = At(110);
  first.evidence = {"a", "b"};
  collector.Emit(first);

  Alert resolved = first;
  resolved.status = AlertStatus::kResolved;
  resolved.count = 9;  // the episode's total, as an engine may report on resolve
  resolved.last_seen = At(150);
  collector.Emit(resolved);

  Alert again = first;
  again.count = 5;
  again.first_seen = At(5000);
  again.last_seen = At(5010);
  again.evidence = {"b", "c", "d", "e", "f", "g"};
  collector.Emit(again);

  Alert other = BruteForce();
  other.id = AlertId("sshd.auth.bruteforce", "198.51.100.1");
  other.labels = {{"ip", "198.51.100.1"}};
  collector.Emit(other);

  REQUIRE(collector.alerts().size() == 2);
  CHECK(collector.emitted() == 4);
  const Alert& merged = collector.alerts()[0];
  CHECK(merged.count == 14);
  CHECK(merged.status == AlertStatus::kFiring);
  CHECK(merged.first_seen == At(100));
  CHECK(merged.last_seen == At(5010));
  CHECK(merged.evidence == std::vector<std::string>{"a", "b", "c", "d", "e"});
  CHECK(collector.alerts()[1].labels.at("ip") == "198.51.100.1");
}

TEST_CASE("event timestamps read exactly as FormatRfc3339 writes them", "[scan]") {
  // The event printer formats dates itself (cached per day); it must agree everywhere,
  // across midnights, leap days and with or without microseconds.
  const long long start = 1'709'164'800 - 3;  // 2024-02-28T23:59:57Z
  for (long long step = 0; step < 200'000; step += 997) {
    for (const long long micros : {0LL, 1LL, 999'999LL}) {
      SshdEvent e;
      e.has_ts = true;
      e.ts = At(start + step * 7, micros);
      e.line = "x";
      std::string out;
      AppendEventJson(e, out);
      const std::string want = "{\"ts\": \"" + FormatRfc3339(e.ts) + "\"";
      REQUIRE(out.substr(0, want.size()) == want);
    }
  }
}

TEST_CASE("this machine's own alert prints no host in text - another machine's does", "[scan]") {
  Alert a = BruteForce();
  a.host = LocalHostName();
  std::string text;
  AppendAlertText(a, text);
  CHECK_THAT(text, Catch::StartsWith("WARNING sshd.auth.bruteforce [firing] ip=\"192.0.2.7\""));
  a.host = "web1";
  text.clear();
  AppendAlertText(a, text);
  CHECK_THAT(text, Catch::StartsWith("WARNING sshd.auth.bruteforce [firing] host=\"web1\" ip="));
}
