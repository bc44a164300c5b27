#pragma once
// sshd_health.unparsed_lines: the daemon says when sshd logs lines it does not understand
// (after an OpenSSH upgrade, say), with their shapes and samples as evidence. Rate-limited:
// one firing alert, updated at most every `repeat_every`; resolved once no new such line
// arrived for `quiet_for`. Pure: time and the counts come from the caller.
#include <chrono>
#include <cstdint>

#include "core/alert.h"
#include "core/clock.h"
#include "parse/unknown_lines.h"

namespace sshd_health {

class UnparsedLinesAlert {
 public:
  static constexpr const char* kRule = "sshd_health.unparsed_lines";

  explicit UnparsedLinesAlert(std::chrono::seconds repeat_every = std::chrono::hours(1),
                              std::chrono::seconds quiet_for = std::chrono::minutes(30))
      : repeat_every_(repeat_every), quiet_for_(quiet_for) {}

  /// Called periodically (the daemon's expire timer) with the pipeline's UnknownLines.
  void Tick(TimePoint now, const UnknownLines& unknown, AlertSink& sink);

  bool firing() const { return firing_; }

 private:
  Alert Make(TimePoint now, const UnknownLines& unknown, AlertStatus status) const;

  std::chrono::seconds repeat_every_;
  std::chrono::seconds quiet_for_;
  std::uint64_t seen_total_ = 0;  // unknown.total() at the last tick
  std::uint64_t at_fire_ = 0;     // unknown.total() when this episode began
  bool firing_ = false;
  TimePoint first_{};
  TimePoint last_new_{};
  TimePoint last_sent_{};
};

}  // namespace sshd_health
