// rsyslog's "last message repeated N times" through SshdParser::Classify with one reused
// event, as the pipeline feeds it: the previous event, N more times, but only when that
// event came from the repeat's own host (a central log host interleaves machines). The
// parser keeps that host across lines and copies it only when it changes, so the hosts
// here switch between names of the same length and of another length, and back.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

struct Stream {
  SshdParser parser;
  SshdEvent out;     // reused for every line, as Classify requires
  std::string line;  // the record's and the event's views point here until the next line

  LineClass Feed(std::string_view text) {
    line = std::string(text);
    const auto rec = ParseSyslogLine(line, SyslogContext{});
    REQUIRE(rec);
    return parser.Classify(*rec, out);
  }
  LineClass Fail(std::string_view host, std::string_view ip) {
    return Feed("Nov 21 16:31:39 " + std::string(host) +
                " sshd[1201]: Failed password for root from " + std::string(ip) +
                " port 52814 ssh2");
  }
  LineClass Repeat(std::string_view host, int times) {
    return Feed("Nov 21 16:31:40 " + std::string(host) + " sshd[1201]: last message repeated " +
                std::to_string(times) + " times");
  }
};

TEST_CASE("a 'last message repeated' line repeats the previous event of its own host only",
          "[parse]") {
  Stream s;
  REQUIRE(s.Fail("web1", "203.0.113.8") == LineClass::kEvent);
  REQUIRE(s.Repeat("web1", 9) == LineClass::kEvent);
  CHECK(s.out.kind == EventKind::kAuthFailure);
  CHECK(s.out.repeat == 9);
  CHECK(s.out.ip == "203.0.113.8");
  CHECK(s.out.host == "web1");

  // Another host with a name of the same length: its line is not web1's to repeat.
  REQUIRE(s.Fail("web2", "198.51.100.4") == LineClass::kEvent);
  CHECK(s.Repeat("web1", 3) == LineClass::kIgnored);
  // The ignored repeat ended the run: nothing is left to repeat, even for web2.
  CHECK(s.Repeat("web2", 3) == LineClass::kIgnored);

  REQUIRE(s.Fail("web2", "198.51.100.4") == LineClass::kEvent);
  REQUIRE(s.Repeat("web2", 4) == LineClass::kEvent);
  CHECK(s.out.repeat == 4);
  CHECK(s.out.ip == "198.51.100.4");

  // A longer name, then back to the first host.
  REQUIRE(s.Fail("db-server-01", "192.0.2.7") == LineClass::kEvent);
  CHECK(s.Repeat("web2", 2) == LineClass::kIgnored);
  REQUIRE(s.Fail("web1", "203.0.113.9") == LineClass::kEvent);
  CHECK(s.Repeat("db-server-01", 2) == LineClass::kIgnored);
  REQUIRE(s.Fail("web1", "203.0.113.9") == LineClass::kEvent);
  REQUIRE(s.Repeat("web1", 5) == LineClass::kEvent);
  CHECK(s.out.repeat == 5);
  CHECK(s.out.ip == "203.0.113.9");
  CHECK(s.out.host == "web1");
}

}  // namespace
}  // namespace sshd_health
