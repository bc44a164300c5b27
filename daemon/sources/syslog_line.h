#pragma once
// Splitting a syslog text line into a LogRecord. Accepted forms:
//   Nov 21 16:31:02 host sshd[123]: msg                          (classic BSD, no year)
//   2026-11-21T16:31:02.123456+00:00 host sshd[123]: msg         (rsyslog ISO / RFC 3339)
//   <38>1 2019-07-08T17:40:16.954-04:00 host sshd 57915 - - msg  (RFC 5424)
//   host sshd[123]: msg                                          (journalctl short, no time)
// Pure: no I/O, no allocation. The timestamps are read by syslog_time.h.
#include <optional>
#include <string_view>

#include "core/log_record.h"
#include "sources/syslog_time.h"  // SyslogContext

namespace sshd_health {

/// nullopt when the line has none of the forms above. The record's views point into `line`.
std::optional<LogRecord> ParseSyslogLine(std::string_view line, const SyslogContext& ctx);

/// What every line-based source uses: the syslog forms above, or else the line taken as a
/// bare sshd message with no time, host or pid - the form of sshd's own `-E logfile` and
/// of `journalctl -o cat`. In a syslog file every line has a header, so the fallback
/// only applies to those bare logs.
LogRecord RecordFromLine(std::string_view line, const SyslogContext& ctx);

}  // namespace sshd_health
