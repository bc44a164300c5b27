#pragma once
// AlertOutput: where the daemon sends every alert - the dispatcher in front of the
// configured notifiers. Emit never blocks the event loop.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/config.h"

namespace sshd_health {

struct AlertOutputStats {
  std::uint64_t emitted = 0;
  std::uint64_t delivered = 0;
  std::uint64_t spooled = 0;  // waiting for delivery now
  std::uint64_t dropped = 0;  // spool full
};

/// One notifier's delivery state: counters since start, and what waits now.
struct NotifierStats {
  std::string name;
  std::uint64_t delivered = 0;     // alerts accepted by the notifier
  std::uint64_t failed = 0;        // alerts given up on (permanent failure)
  std::uint64_t dropped = 0;       // alerts not kept: spool full
  std::uint64_t retries = 0;       // failed attempts that will be retried
  std::uint64_t pending = 0;       // waiting now (queued + spooled)
  std::uint64_t already_told = 0;  // alerts not queued: the receiver had them (replay)
  std::uint64_t resent = 0;        // still-firing alerts sent again (Notifier::ResendInterval)
  std::string type{};              // "webhook", "email", ...
  std::uint64_t queued = 0;        // handed over, not yet taken by its delivery thread
  std::uint64_t spooled = 0;       // in its spool, waiting for delivery
  /// The last failed delivery's reason (as the notifier said it, not escaped) and when;
  /// empty/epoch when none failed since start. A later success does not clear it: an
  /// admin asking why mail came late wants the error that delayed it.
  std::string last_error{};
  TimePoint last_error_at{};
  TimePoint last_delivered_at{};  // epoch: nothing delivered since start
};

/// Thread-safe.
class AlertOutput : public AlertSink {
 public:
  /// Starts delivery (threads, spool replay).
  virtual void Start() = 0;
  /// Delivers what it can within `grace`, spools the rest, stops threads.
  virtual void Stop(Duration grace) = 0;
  virtual AlertOutputStats Stats() const = 0;
  /// One entry per delivery lane (a notifier, or one URL of a notifier with several), in
  /// config order: for /metrics and `sshd-health status`.
  virtual std::vector<NotifierStats> PerNotifier() const = 0;
};

/// Builds the dispatcher and notifiers of `config.notify`. Throws ConfigError for a bad
/// notifier entry (file, line, key).
std::unique_ptr<AlertOutput> MakeAlertOutput(const Config& config);

/// Checks every notifier entry of `config` as MakeAlertOutput would, without starting
/// anything. Throws ConfigError.
void ValidateNotifiers(const Config& config);

}  // namespace sshd_health
