#include "app/systemd_notify.h"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace sshd_health {

SystemdNotify::SystemdNotify() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
}

void SystemdNotify::Send(std::string_view state) {
  if (!enabled_) return;
  // unset_environment = 0: a reload may notify again.
  sd_notify(0, std::string(state).c_str());
}

void SystemdNotify::Ready() { Send("READY=1"); }

void SystemdNotify::Status(std::string_view text) { Send(fmt::format("STATUS={}", text)); }

void SystemdNotify::Reloading() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
  Send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}", usec));
}

void SystemdNotify::Stopping() { Send("STOPPING=1"); }

void SystemdNotify::Watchdog() { Send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> SystemdNotify::WatchdogInterval() const {
  if (!enabled_) return std::nullopt;
  uint64_t usec = 0;
  // > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID (if any) is us.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace sshd_health
