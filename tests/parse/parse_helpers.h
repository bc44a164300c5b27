#pragma once
// Feeding syslog lines through ParseSyslogLine + SshdParser in parse tests.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health::test {

/// One parser fed line after line, as a source would (per-PID state carries over).
class LineFeeder {
 public:
  std::optional<SshdEvent> Feed(std::string_view line) {
    last_ = std::string(line);
    const auto rec = ParseSyslogLine(last_, SyslogContext{});
    if (!rec) return std::nullopt;
    return parser_.Parse(*rec);
  }

 private:
  SshdParser parser_;
  std::string last_;  // the event's views point here until the next Feed
};

/// The event of one line through a fresh parser; fails the test when there is none.
inline SshdEvent MustParse(std::string_view line) {
  LineFeeder feeder;
  auto ev = feeder.Feed(line);
  INFO(line);
  REQUIRE(ev);
  ev->program = {};
  ev->message = {};
  ev->line = {};  // the feeder's buffer dies with it
  return *ev;
}

}  // namespace sshd_health::test
