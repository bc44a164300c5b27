#include "parse/syslog_line.h"

namespace sshd_health {

// STUB: implemented by the parser work (issue 2).
std::optional<LogRecord> ParseSyslogLine(std::string_view line, const SyslogContext& ctx) {
  (void)ctx;
  (void)line;
  return std::nullopt;
}

}  // namespace sshd_health
