#include "core/time_format.h"

#include <ctime>

namespace sshd_health {

// Howard Hinnant's days_from_civil / civil_from_days
// (https://howardhinnant.github.io/date_algorithms.html): eras of 400 years, each
// 146097 days, with the year starting on March 1 so that the leap day is its last.
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy =
      (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const auto y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
  return CivilDate{y, static_cast<int>(m), static_cast<int>(d)};
}

namespace {

char* PutDigits(char* p, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
  return p + width;
}

}  // namespace

void AppendRfc3339(TimePoint t, std::string& out) {
  constexpr std::int64_t kDay = 86400;
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::int64_t secs = us >= 0 ? us / 1'000'000 : (us - 999'999) / 1'000'000;
  const auto frac = static_cast<unsigned>(us - secs * 1'000'000);
  const std::int64_t days = secs >= 0 ? secs / kDay : (secs - kDay + 1) / kDay;
  const auto in_day = static_cast<unsigned>(secs - days * kDay);
  const CivilDate date = CivilFromDays(days);
  char buf[32];  // "2026-11-21T16:31:02.123456Z"
  char* p = PutDigits(buf, static_cast<unsigned>(date.year), 4);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.month), 2);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.day), 2);
  *p++ = 'T';
  p = PutDigits(p, in_day / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, in_day / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, in_day % 60, 2);
  if (frac != 0) {
    *p++ = '.';
    p = PutDigits(p, frac, 6);
  }
  *p++ = 'Z';
  out.append(buf, static_cast<std::size_t>(p - buf));
}

std::string FormatRfc3339(TimePoint t) {
  std::string out;
  AppendRfc3339(t, out);
  return out;
}

Result<TimePoint> ParseRfc3339(const std::string& s) {
  std::tm tm{};
  int frac_us = 0;
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return Fail("bad time '" + s + "'");
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 6) {
        frac_us = frac_us * 10 + (*rest - '0');
        ++digits;
      }
      ++rest;
    }
    while (digits++ < 6) frac_us *= 10;
  }
  const std::time_t t = timegm(&tm);
  return TimePoint(std::chrono::seconds(t)) + std::chrono::microseconds(frac_us);
}

}  // namespace sshd_health
