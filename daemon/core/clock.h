#pragma once
// Time for everything that reasons about windows and cooldowns. Rules and the dispatcher
// take time from events or from an injected Clock, never from the wall clock directly,
// so tests drive time by hand.
#include <chrono>
#include <cstdint>

namespace sshd_health {

using SystemClock = std::chrono::system_clock;
using TimePoint = SystemClock::time_point;
using Duration = std::chrono::milliseconds;

/// Microseconds since the epoch (journald's precision): how windows, counters and saved
/// records keep times in 8 bytes.
inline std::int64_t ToMicros(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline std::int64_t ToMicros(Duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}
inline TimePoint FromMicros(std::int64_t us) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(us)));
}

/// Source of "now". Thread-safe implementations only.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

/// The wall clock.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return SystemClock::now(); }
};

/// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint Now() const override { return now_; }
  void Set(TimePoint t) { now_ = t; }
  void Advance(Duration d) { now_ += d; }

 private:
  TimePoint now_;
};

}  // namespace sshd_health
