// FormatRfc3339 / AppendRfc3339 and the calendar arithmetic under them.
#include "core/time_format.h"

#include <catch2/catch.hpp>
#include <ctime>

namespace sshd_health {
namespace {

using namespace std::chrono;

TEST_CASE("RFC 3339 text is UTC, with microseconds only when there is a fraction", "[core]") {
  const TimePoint t = TimePoint{sys_days{year{2026} / 11 / 21}.time_since_epoch() + hours{16} +
                                minutes{31} + seconds{2}};
  CHECK(FormatRfc3339(t) == "2026-11-21T16:31:02Z");
  CHECK(FormatRfc3339(t + microseconds{123456}) == "2026-11-21T16:31:02.123456Z");
  CHECK(FormatRfc3339(t + microseconds{5}) == "2026-11-21T16:31:02.000005Z");
  CHECK(FormatRfc3339(t + nanoseconds{999}) == "2026-11-21T16:31:02Z");  // below a microsecond
  CHECK(FormatRfc3339(TimePoint{}) == "1970-01-01T00:00:00Z");
  std::string out = "at ";
  AppendRfc3339(t, out);
  CHECK(out == "at 2026-11-21T16:31:02Z");
}

TEST_CASE("RFC 3339 text before the epoch counts back from it", "[core]") {
  CHECK(FormatRfc3339(TimePoint{} - seconds{1}) == "1969-12-31T23:59:59Z");
  CHECK(FormatRfc3339(TimePoint{} - microseconds{1}) == "1969-12-31T23:59:59.999999Z");
}

TEST_CASE("AppendRfc3339 writes what gmtime says, across leap days and years", "[core]") {
  // One sample every 9 days and 7 hours from 1900 to 2200: every month and leap rule.
  for (std::int64_t s = -2208988800; s < 7258118400; s += 9 * 86400 + 7 * 3600 + 13) {
    const std::time_t tt = static_cast<std::time_t>(s);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char want[32];
    std::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::string got = FormatRfc3339(TimePoint{seconds{s}});
    if (got != want) FAIL(got << " != " << want);
  }
}

TEST_CASE("CivilFromDays inverts DaysFromCivil", "[core]") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  for (std::int64_t d = -100000; d < 100000; d += 37) {
    const CivilDate c = CivilFromDays(d);
    if (DaysFromCivil(c.year, c.month, c.day) != d) FAIL("day " << d);
  }
}

}  // namespace
}  // namespace sshd_health
