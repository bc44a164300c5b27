#pragma once
// SshdParser: LogRecord -> SshdEvent. Knows OpenSSH's message formats from 7.4 to 10.x
// and anchors on their fixed parts (" from <ip> port <n>", "[preauth]", "past
// MaxStartups"), never on attacker-controlled text such as user names.
//
// It is pure but for one bounded piece of state: a per-PID session table (address and
// user from "Connection from" / "Invalid user" lines), used to attribute lines that carry
// no address ("Disconnecting: Too many authentication failures for git [preauth]").
#include <memory>
#include <optional>

#include "core/log_record.h"
#include "parse/sshd_event.h"

namespace sshd_health {

/// Not thread-safe: one parser per source/thread.
class SshdParser {
 public:
  SshdParser();
  ~SshdParser();
  SshdParser(const SshdParser&) = delete;
  SshdParser& operator=(const SshdParser&) = delete;

  /// Fills `out` and returns true when `record` is an sshd line we know; false is never
  /// an error (and leaves `out` meaningless). `out` borrows from `record` (see SshdEvent).
  /// Reusing one `out` for every line keeps the hot path free of allocation.
  bool Parse(const LogRecord& record, SshdEvent& out);

  /// The same, into a fresh event: nullopt means "not an sshd line we know".
  std::optional<SshdEvent> Parse(const LogRecord& record);

 private:
  struct Sessions;
  std::unique_ptr<Sessions> sessions_;  // the bounded per-PID table
};

}  // namespace sshd_health
