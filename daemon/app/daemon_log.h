#pragma once
// The daemon's own log (spdlog, on stderr). Under systemd (JOURNAL_STREAM set) each line
// starts with a "<N>" syslog priority for journald and carries no timestamp (journald
// adds its own); on a terminal, lines carry time and level.
#include <string>

namespace sshd_health {

/// Installs the default logger. `level`: trace, debug, info, warn or error.
void SetupDaemonLog(const std::string& level);

/// Changes the level of the default logger (on reload).
void SetDaemonLogLevel(const std::string& level);

}  // namespace sshd_health
