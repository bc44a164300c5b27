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

// Reads exactly `n` digits at s[pos...]; advances pos. Inlined: it runs six times per
// timestamp, and as a call it cost 5% of a scan.
[[gnu::always_inline]] inline bool ReadDigits(Sv s, std::size_t& pos, std::size_t n, int& out) {
  if (pos > s.size() || s.size() - pos < n || !scan::ParseUint(Sv(s.data() + pos, n), out)) return false;
  pos += n;
  return true;
}

// An optional ".ddd..." fraction of a second, kept to microseconds (later digits are
// read and dropped).
bool ReadFraction(Sv s, std::size_t& pos, std::int64_t& micros) {
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

// The last "Mmm dd hh" prefix of a classic timestamp and the epoch second its hour began
// in the reference year: a log has thousands of lines per hour, and for those only the
// minutes and seconds are left to read.
struct ClassicHourCache {
  char prefix[9] = {};
  TimePoint ref = TimePoint::min();  // the reference it was resolved against
  std::int64_t hour_epoch = 0;
  std::int64_t max_epoch = 0;  // later than this is last year's line (ref + 1 day)
};

std::int64_t EpochSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint FromEpoch(std::int64_t epoch, std::int64_t micros) {
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{epoch} +
                                                                   std::chrono::microseconds{micros})};
}

}  // namespace

// "Jan".."Dec" -> 1..12, else 0. Packs the three bytes into one integer so every
// line costs one switch rather than up to twelve compares.
int MonthFromName(Sv s) {
  if (s.size() != 3) return 0;
  const auto key = static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 16 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(s[2]));
  constexpr auto K = [](const char (&m)[4]) {
    return static_cast<std::uint32_t>(m[0]) << 16 | static_cast<std::uint32_t>(m[1]) << 8 |
           static_cast<std::uint32_t>(m[2]);
  };
  switch (key) {
    case K("Jan"): return 1;
    case K("Feb"): return 2;
    case K("Mar"): return 3;
    case K("Apr"): return 4;
    case K("May"): return 5;
    case K("Jun"): return 6;
    case K("Jul"): return 7;
    case K("Aug"): return 8;
    case K("Sep"): return 9;
    case K("Oct"): return 10;
    case K("Nov"): return 11;
    case K("Dec"): return 12;
    default: return 0;
  }
}

// "Nov 21 16:31:02 " (day space- or zero-padded, or bare "Nov 5"). Year from ctx.
bool ParseClassicTime(Sv line, std::size_t& pos, const SyslogContext& ctx, TimePoint& ts) {
  if (line.size() < 15) return false;
  thread_local ClassicHourCache cache;
  // The fixed layout "Mmm dd hh:mm:ss" of the cached hour.
  if (line.size() >= 16 && cache.ref == ctx.reference && std::memcmp(line.data(), cache.prefix, 9) == 0 &&
      line[9] == ':' && line[12] == ':') {
    std::size_t p = 10;
    int mi = 0, sec = 0;
    std::int64_t micros = 0;
    if (ReadDigits(line, p, 2, mi) && ExpectByte(line, p, ':') && ReadDigits(line, p, 2, sec) && mi <= 59 &&
        sec <= 60 && (line[p] != '.' || ReadFraction(line, p, micros))) {
      const std::int64_t epoch = cache.hour_epoch + mi * 60 + sec;
      if (epoch <= cache.max_epoch) {  // else: last year's line, resolved below
        ts = FromEpoch(epoch, micros);
        pos = p;
        return true;
      }
    }
  }
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
    std::memcpy(cache.prefix, line.data(), 9);
    cache.ref = ctx.reference;
    cache.hour_epoch = epoch - mi * 60 - s;
    cache.max_epoch = ref + 86400;
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
