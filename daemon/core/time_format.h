#pragma once
// RFC 3339 timestamps, as every JSON output and email shows them, and the calendar
// arithmetic behind them and behind the log-line parsers (proleptic Gregorian, UTC).
#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

/// "2026-11-21T16:31:02Z", or with microseconds ("2026-11-21T16:31:02.123456Z") when
/// the time has a sub-second part. Always UTC.
std::string FormatRfc3339(TimePoint t);
/// The same text appended to `out` (scan writes one per record: no temporary string).
void AppendRfc3339(TimePoint t, std::string& out);
/// Reads FormatRfc3339's text back ("...Z", with or without a fraction, microseconds
/// kept); an error quotes the text.
Result<TimePoint> ParseRfc3339(const std::string& s);

/// Days since 1970-01-01 of the date `y`-`m`-`d` (m 1-12, d 1-31; not range-checked).
std::int64_t DaysFromCivil(int y, int m, int d);

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
};
/// Inverse of DaysFromCivil.
CivilDate CivilFromDays(std::int64_t days);

}  // namespace sshd_health
