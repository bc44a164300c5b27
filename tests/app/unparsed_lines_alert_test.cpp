// sshd_health.unparsed_lines from real lines: a line of sshd the parser does not
// understand fires the alert with its shape as evidence; more of them within the hour do
// not re-alert; it resolves once none arrived for the quiet period.
#include "app/unparsed_lines_alert.h"

#include <catch2/catch.hpp>

#include "parse/sshd_parser.h"
#include "recording_sink.h"
#include "sources/syslog_line.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

void Feed(SshdParser& parser, UnknownLines& unknown, const std::string& line) {
  const auto rec = ParseSyslogLine(line, SyslogContext{});
  REQUIRE(rec);
  SshdEvent ev;
  if (parser.Classify(*rec, ev) == LineClass::kUnknown) unknown.Add(rec->message);
}

}  // namespace

TEST_CASE(
    "unknown sshd lines raise sshd_health.unparsed_lines once, with shapes, and resolve when they "
    "stop",
    "[app]") {
  SshdParser parser;
  UnknownLines unknown;
  UnparsedLinesAlert alert(1h, 30min);
  RecordingSink sink;
  TimePoint t(std::chrono::seconds(1'800'000'000));
  Feed(parser, unknown,
       "Nov 21 16:31:02 srv sshd[1]: Failed password for root from 192.0.2.7 port 4242 ssh2");
  alert.Tick(t, unknown, sink);
  CHECK(sink.alerts.empty());  // understood lines only

  // A line a future OpenSSH might write.
  Feed(parser, unknown,
       "Nov 21 16:31:03 srv sshd-session[2]: Authentication postponed for root from 192.0.2.8 port "
       "1");
  t += 15s;
  alert.Tick(t, unknown, sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].rule == "sshd_health.unparsed_lines");
  CHECK(sink.alerts[0].severity == Severity::kWarning);
  CHECK(sink.alerts[0].status == AlertStatus::kFiring);
  CHECK(sink.alerts[0].summary ==
        "1 sshd lines not understood; most frequent: Authentication postponed for root from <addr> "
        "port N");
  REQUIRE(!sink.alerts[0].evidence.empty());
  CHECK(sink.alerts[0].evidence[0].find("192.0.2.8 port 1") != std::string::npos);
  CHECK(sink.alerts[0].remedy.find("scan --unknown") != std::string::npos);

  Feed(parser, unknown,
       "Nov 21 16:31:04 srv sshd-session[3]: Authentication postponed for git from 192.0.2.9 port "
       "2");
  t += 15s;
  alert.Tick(t, unknown, sink);
  CHECK(sink.alerts.size() == 1);  // rate-limited

  t += 29min;
  alert.Tick(t, unknown, sink);
  CHECK(sink.alerts.size() == 1);
  t += 1min;
  alert.Tick(t, unknown, sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kResolved);
  CHECK(sink.alerts[1].id == sink.alerts[0].id);
  CHECK_FALSE(alert.firing());
}
