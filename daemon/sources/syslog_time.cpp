#include "sources/syslog_time.h"

#include <cstdint>
#include <cstring>
#include <ctime>

#include "core/text_scan.h"
#include "core/time_format.h"

namespace sshd_health {
namespace {

using Sv = std::string_view;
using scan::ExpectByte;
using scan::IsDigit;
using syslog_time_internal::ReadFraction;

// Reads exactly `n` digits at s[pos...]; advances pos. Inlined: it runs six times per
// timestamp, and as a call it cost 5% of a scan.
[[gnu::always_inline]] inline bool ReadDigits(Sv s, std::size_t& pos, std::size_t n, int& out) {
  if (pos > s.size() || s.size() - pos < n || !scan::ParseUint(Sv(s.data() + pos, n), out)) return false;
  pos += n;
  return true;
}

bool ValidDate(int mon, int day, int h, int mi, int s) {
  return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

// Local wall-clock time to epoch seconds.
std::int64_t LocalToEpoch(int year, int mon, int day, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return static_cast<std::int64_t>(std::mktime(&tm));
}

int LocalYear(TimePoint reference) {
  const std::time_t t = SystemClock::to_time_t(reference);
  std::tm tm{};
  localtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

std::int64_t EpochSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint FromEpoch(std::int64_t epoch, std::int64_t micros) {
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{epoch} +
                                                                   std::chrono::microseconds{micros})};
}

}  // namespace

// An optional ".ddd..." fraction of a second, kept to microseconds (later digits are
// read and dropped).
bool syslog_time_internal::ReadFraction(Sv s, std::size_t& pos, std::int64_t& micros) {
  micros = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  const std::size_t first = pos + 1;
  std::size_t end = first;
  while (end < s.size() && IsDigit(s[end])) ++end;
  const std::size_t kept = end - first < 6 ? end - first : 6;
  int v = 0;
  if (!scan::ParseUint(s.substr(first, kept), v)) return false;  // no digit after '.'
  micros = v;
  for (std::size_t digits = kept; digits < 6; ++digits) micros *= 10;
  pos = end;
  return true;
}

// "Nov 21 16:31:02 " (day space- or zero-padded, or bare "Nov 5"). Year from ctx.
bool syslog_time_internal::ParseClassicTimeSlow(Sv line, std::size_t& pos, const SyslogContext& ctx,
                                                TimePoint& ts) {
  if (line.size() < 15) return false;
  const std::int64_t ref = EpochSeconds(ctx.reference);
  const int mon = MonthFromName(line.substr(0, 3));
  if (mon == 0 || line[3] != ' ') return false;
  std::size_t p = 4;
  if (line[p] == ' ') ++p;
  int day = 0;
  if (!ReadDigits(line, p, 2, day) && !ReadDigits(line, p, 1, day)) return false;
  int h = 0, mi = 0, s = 0;
  if (!ExpectByte(line, p, ' ') || !ReadDigits(line, p, 2, h) || !ExpectByte(line, p, ':') ||
      !ReadDigits(line, p, 2, mi) || !ExpectByte(line, p, ':') || !ReadDigits(line, p, 2, s)) {
    return false;
  }
  if (!ValidDate(mon, day, h, mi, s)) return false;
  // journalctl -o short-precise: "Nov 21 16:31:02.123456".
  std::int64_t micros = 0;
  if (!ReadFraction(line, p, micros)) return false;
  const int year = LocalYear(ctx.reference);
  std::int64_t epoch = LocalToEpoch(year, mon, day, h, mi, s);
  if (p >= 15 && line[9] == ':') {  // the fixed layout: remember its hour
    ClassicHour& hour = last_classic_hour;
    std::memcpy(hour.prefix, line.data(), 9);
    hour.ref = ctx.reference;
    hour.hour_epoch = epoch - mi * 60 - s;
    hour.max_epoch = ref + 86400;
  }
  // A December line read in January belongs to last year.
  if (epoch > ref + 86400) epoch = LocalToEpoch(year - 1, mon, day, h, mi, s);
  ts = FromEpoch(epoch, micros);
  pos = p;
  return true;
}

// "2026-11-21T16:31:02[.123456](Z|+00:00)"; without an offset the time is local.
bool ParseIsoTime(Sv line, std::size_t& pos, TimePoint& ts) {
  std::size_t p = pos;
  int y = 0, mon = 0, day = 0, h = 0, mi = 0, s = 0;
  if (!ReadDigits(line, p, 4, y) || !ExpectByte(line, p, '-') || !ReadDigits(line, p, 2, mon) ||
      !ExpectByte(line, p, '-') || !ReadDigits(line, p, 2, day) ||
      !(ExpectByte(line, p, 'T') || ExpectByte(line, p, ' ')) || !ReadDigits(line, p, 2, h) ||
      !ExpectByte(line, p, ':') || !ReadDigits(line, p, 2, mi) || !ExpectByte(line, p, ':') ||
      !ReadDigits(line, p, 2, s)) {
    return false;
  }
  // TimePoint counts nanoseconds: it spans 1678-2262. Logs are far inside that.
  if (y < 1970 || y > 2200 || !ValidDate(mon, day, h, mi, s)) return false;
  std::int64_t micros = 0;
  if (!ReadFraction(line, p, micros)) return false;
  std::int64_t epoch = 0;
  if (p < line.size() && line[p] == 'Z') {
    ++p;
    epoch = DaysFromCivil(y, mon, day) * 86400 + h * 3600 + mi * 60 + s;
  } else if (p < line.size() && (line[p] == '+' || line[p] == '-')) {
    const int sign = line[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!ReadDigits(line, p, 2, oh)) return false;
    ExpectByte(line, p, ':');
    if (!ReadDigits(line, p, 2, om)) return false;
    epoch = DaysFromCivil(y, mon, day) * 86400 + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
  } else {
    epoch = LocalToEpoch(y, mon, day, h, mi, s);
  }
  ts = FromEpoch(epoch, micros);
  pos = p;
  return true;
}

}  // namespace sshd_health
