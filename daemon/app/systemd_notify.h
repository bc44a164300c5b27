#pragma once
// Talking to systemd as a Type=notify service: READY, STATUS, RELOADING, STOPPING and the
// watchdog keep-alive. Every call is a no-op when NOTIFY_SOCKET is unset (run from a
// terminal or a test), so callers need not check.
#include <chrono>
#include <optional>
#include <string_view>

namespace sshd_health {

/// Thread-compatible; the daemon calls it from the event-loop thread.
class SystemdNotify {
 public:
  SystemdNotify();

  /// True when systemd (or a test) listens on NOTIFY_SOCKET.
  bool enabled() const { return enabled_; }

  void Ready();
  /// One line for `systemctl status`.
  void Status(std::string_view text);
  /// RELOADING=1 with MONOTONIC_USEC, as systemd 253+ expects for Type=notify-reload.
  void Reloading();
  void Stopping();
  void Watchdog();

  /// How often to send WATCHDOG=1 (half of WATCHDOG_USEC), when systemd set a watchdog
  /// for this process.
  std::optional<std::chrono::microseconds> WatchdogInterval() const;

 private:
  void Send(std::string_view state);
  bool enabled_ = false;
};

}  // namespace sshd_health
