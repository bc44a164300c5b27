#pragma once
// LogRecord: one log entry as every source hands it to the parser, whatever it came from
// (journald entry, auth.log line, scan input). Fields borrow from the source's buffer.
#include <string_view>

#include "core/clock.h"

namespace sshd_health {

/// REQUIRES: the buffer the views point into outlives the record and anything parsed
/// from it (sources keep the line alive while the handler runs).
struct LogRecord {
  TimePoint ts{};  // when it was logged; meaningful only if has_ts
  bool has_ts = false;
  std::string_view host;     // may be empty
  std::string_view program;  // syslog identifier: "sshd", "sshd-session", "sshd-auth", ...
  int pid = 0;               // 0 when the line had none
  std::string_view message;  // text after "program[pid]: "
  std::string_view line;     // the whole line (or a synthesized one for journal entries)
  /// Read again at start, from before the saved position, to rebuild the rules' state
  /// (LogSource::ReplayFrom); it went through the rules in an earlier run.
  bool replay = false;
};

/// True for the identifiers OpenSSH's server logs under: sshd, sshd-session (9.8+),
/// sshd-auth (10.0+). Inline: every line of every source asks, and most lines (cron,
/// systemd, sudo) are answered by their length.
inline bool IsSshdProgram(std::string_view program) {
  return program == "sshd" || program == "sshd-session" || program == "sshd-auth";
}

}  // namespace sshd_health
