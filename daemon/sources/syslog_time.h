#pragma once
// The timestamps a syslog line starts with (see syslog_line.h for the line forms):
//   Nov 21 16:31:02[.123456]                  classic BSD / journalctl short(-precise), no year
//   2026-11-21T16:31:02[.123456](Z|+hh:mm)    ISO / RFC 3339, as rsyslog and RFC 5424 write it
// Pure: no I/O, no allocation.
#include <cstddef>
#include <string_view>

#include "core/clock.h"

namespace sshd_health {

/// What a classic timestamp (which has no year) is resolved against: the year of
/// `reference`, or the year before when the date would lie more than a day after it
/// (December lines read in January). Local time zone, as syslog writes it.
struct SyslogContext {
  TimePoint reference = SystemClock::now();
};

/// "Jan".."Dec" -> 1..12; anything else (other case, other length) -> 0.
int MonthFromName(std::string_view s);

/// Reads a classic timestamp at the start of `line` ("Nov 21 16:31:02", the day space- or
/// zero-padded or bare, an optional fraction) into `ts`; `pos` ends just after it.
/// False, with `pos` and `ts` unchanged, when the line does not start with one.
bool ParseClassicTime(std::string_view line, std::size_t& pos, const SyslogContext& ctx, TimePoint& ts);

/// Reads an ISO / RFC 3339 timestamp at line[pos...] ("T" or a space between date and
/// time; without an offset the time is local) and moves `pos` past it. False, with `pos`
/// and `ts` unchanged, when there is none or its fields are out of range.
bool ParseIsoTime(std::string_view line, std::size_t& pos, TimePoint& ts);

}  // namespace sshd_health
