// The timestamp readers on their own: where they leave `pos`, and what they refuse.
#include "sources/syslog_time.h"

#include <catch2/catch.hpp>

namespace sshd_health {
namespace {

using namespace std::chrono;

TimePoint Utc(int y, int mon, int d, int h, int mi, int s) {
  return TimePoint{sys_days{year{y} / mon / d}.time_since_epoch() + hours{h} + minutes{mi} +
                   seconds{s}};
}

TEST_CASE("month names are the twelve English abbreviations, case and length exact", "[sources]") {
  const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) CHECK(MonthFromName(names[i]) == i + 1);
  for (const char* bad : {"jan", "JAN", "Ja", "Janu", "", "Xyz"}) CHECK(MonthFromName(bad) == 0);
}

TEST_CASE("an ISO timestamp is read at pos and pos moves just past it", "[sources]") {
  const std::string_view line = "x 2026-11-21T16:31:02.1234567Z rest";
  std::size_t pos = 2;
  TimePoint ts{};
  REQUIRE(ParseIsoTime(line, pos, ts));
  CHECK(ts == Utc(2026, 11, 21, 16, 31, 2) + microseconds{123456});  // the 7th digit is dropped
  CHECK(line.substr(pos) == " rest");
}

TEST_CASE("a malformed ISO timestamp is refused and pos stays", "[sources]") {
  for (const std::string_view bad :
       {"2026-11-21T16:31", "2026-13-01T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T16:31:02.Z",
        "1969-12-31T23:59:59Z", "2026-1a-21T16:31:02Z", "+026-11-21T16:31:02Z"}) {
    INFO(bad);
    std::size_t pos = 0;
    TimePoint ts{};
    CHECK_FALSE(ParseIsoTime(bad, pos, ts));
    CHECK(pos == 0);
  }
}

TEST_CASE("a classic timestamp ends before the space after it", "[sources]") {
  const std::string_view line = "Nov 21 16:31:02 host";
  std::size_t pos = 0;
  TimePoint ts{};
  REQUIRE(ParseClassicTime(line, pos, SyslogContext{Utc(2026, 12, 1, 0, 0, 0)}, ts));
  CHECK(pos == 15);
  std::size_t bad_pos = 0;
  CHECK_FALSE(ParseClassicTime("Nov 21 16:3x:02 host", bad_pos, SyslogContext{}, ts));
  CHECK(bad_pos == 0);
}

}  // namespace
}  // namespace sshd_health
