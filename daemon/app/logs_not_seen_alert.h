#pragma once
// sshd_health.logs_not_seen (critical): the liveness probe reached sshd, so sshd logged
// "probed from ... Don't panic.", yet no line of that connection came through the
// daemon's sources within `grace`: sshd's log does not reach us (rsyslog stopped, the
// wrong file, an unreadable journal, LogLevel QUIET) and no rule can fire. One firing
// alert per episode; resolved when a line of a probe connection as new as the one that
// fired (or newer) arrives. Pure: time, the probe's connections and the lines come from
// the caller (app.cpp reads them from the ProbeLedger and OwnProbeLines).
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "audit/probe_ledger.h"
#include "core/alert.h"
#include "core/clock.h"

namespace sshd_health {

/// One of the daemon's log sources as the alert names it.
struct SourceReading {
  std::string name;  // "file /var/log/auth.log", "journal"
  std::uint64_t lines = 0;
};

class LogsNotSeenAlert {
 public:
  static constexpr const char* kRule = "sshd_health.logs_not_seen";

  explicit LogsNotSeenAlert(Duration grace = std::chrono::minutes(1)) : grace_(grace) {}

  /// The probe's connections (ProbeLedger::Recent()). Those that read sshd's banner are
  /// awaited: sshd logs them. One that never reached sshd (refused, timed out, no banner)
  /// is the liveness check's business, never this alert's. Already known ones are ignored.
  void ObserveProbes(const std::vector<ProbeConnection>& connections);
  /// A line of probe connection `serial` arrived: it and every older probe are answered.
  void LineSeen(std::uint64_t serial, TimePoint now, AlertSink& sink);
  /// Fires when the oldest unanswered probe has waited `grace`. Called periodically.
  void Tick(TimePoint now, const std::vector<SourceReading>& sources, AlertSink& sink);

  bool firing() const { return firing_; }
  Duration grace() const { return grace_; }

 private:
  struct Pending {
    std::uint64_t serial;
    TimePoint at;
    std::string description;
  };
  static constexpr std::size_t kMaxPending = 16;

  const Duration grace_;
  std::deque<Pending> pending_;    // oldest first
  std::uint64_t last_serial_ = 0;  // newest connection ObserveProbes took
  std::uint64_t seen_serial_ = 0;  // newest connection a line was seen of
  bool firing_ = false;
  std::uint64_t fired_serial_ = 0;
  TimePoint first_{};
};

}  // namespace sshd_health
