#pragma once
// The timestamps a syslog line starts with (see syslog_line.h for the line forms):
//   Nov 21 16:31:02[.123456]                  classic BSD / journalctl short(-precise), no year
//   2026-11-21T16:31:02[.123456](Z|+hh:mm)    ISO / RFC 3339, as rsyslog and RFC 5424 write it
// Pure: no I/O, no allocation.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/clock.h"
#include "core/text_scan.h"

namespace sshd_health {

/// What a classic timestamp (which has no year) is resolved against: the year of
/// `reference`, or the year before when the date would lie more than a day after it
/// (December lines read in January). Local time zone, as syslog writes it.
struct SyslogContext {
  TimePoint reference = SystemClock::now();
};

/// "Jan".."Dec" -> 1..12; anything else (other case, other length) -> 0. Packs the three
/// bytes into one integer so every line costs one switch rather than up to twelve
/// compares; inline, as every classic line asks.
inline int MonthFromName(std::string_view s) {
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

namespace syslog_time_internal {

/// The "Mmm dd hh" prefix of the last classic timestamp of the fixed layout and the epoch
/// second its hour began: a log has thousands of lines per hour, and for those only the
/// minutes and seconds are left to read. One per thread; only ParseClassicTime uses it.
struct ClassicHour {
  char prefix[9] = {};
  TimePoint ref = TimePoint::min();  // the reference it was resolved against
  std::int64_t hour_epoch = 0;
  std::int64_t max_epoch = 0;  // later than this is last year's line (ref + 1 day)
};
inline thread_local ClassicHour last_classic_hour;

/// An optional ".ddd..." at s[pos...] to microseconds (see syslog_time.cpp).
bool ReadFraction(std::string_view s, std::size_t& pos, std::int64_t& micros);

/// ParseClassicTime without the inline hit of the cached hour; remembers the hour.
bool ParseClassicTimeSlow(std::string_view line, std::size_t& pos, const SyslogContext& ctx, TimePoint& ts);

}  // namespace syslog_time_internal

/// Reads a classic timestamp at the start of `line` ("Nov 21 16:31:02", the day space- or
/// zero-padded or bare, an optional fraction) into `ts`; `pos` ends just after it.
/// False, with `pos` and `ts` unchanged, when the line does not start with one.
/// A line in the hour of the one before is read here, inline: as a call into
/// syslog_time.cpp (with MonthFromName's) it cost 1.8% of a scan's instructions.
[[gnu::always_inline]] inline bool ParseClassicTime(std::string_view line, std::size_t& pos, const SyslogContext& ctx,
                                                   TimePoint& ts) {
  using syslog_time_internal::last_classic_hour;
  int mi = 0, sec = 0;
  std::int64_t micros = 0;
  std::size_t p = 15;  // after "Mmm dd hh:mm:ss"
  if (line.size() >= 16 && last_classic_hour.ref == ctx.reference &&
      std::memcmp(line.data(), last_classic_hour.prefix, 9) == 0 && line[9] == ':' && line[12] == ':' &&
      scan::ParseUint({line.data() + 10, 2}, mi) && scan::ParseUint({line.data() + 13, 2}, sec) && mi <= 59 &&
      sec <= 60 && (line[p] != '.' || syslog_time_internal::ReadFraction(line, p, micros))) {
    const std::int64_t epoch = last_classic_hour.hour_epoch + mi * 60 + sec;
    if (epoch <= last_classic_hour.max_epoch) {  // else: last year's line, resolved out of line
      ts = TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{epoch} +
                                                                     std::chrono::microseconds{micros})};
      pos = p;
      return true;
    }
  }
  return syslog_time_internal::ParseClassicTimeSlow(line, pos, ctx, ts);
}

/// Reads an ISO / RFC 3339 timestamp at line[pos...] ("T" or a space between date and
/// time; without an offset the time is local) and moves `pos` past it. False, with `pos`
/// and `ts` unchanged, when there is none or its fields are out of range.
bool ParseIsoTime(std::string_view line, std::size_t& pos, TimePoint& ts);

}  // namespace sshd_health
