#pragma once
// A syslog line as rsyslog writes it to auth.log, stamped now: what tests append to a log
// the daemon follows.
#include <ctime>
#include <string>

namespace test {

/// "Dec  1 15:00:00 HOST PROGRAM[PID]: MESSAGE" (no newline).
inline std::string StampedSyslogLine(const std::string& message, int pid = 4711,
                                     const std::string& host = "testhost",
                                     const std::string& program = "sshd") {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return std::string(stamp) + " " + host + " " + program + "[" + std::to_string(pid) +
         "]: " + message;
}

}  // namespace test
