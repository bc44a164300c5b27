#pragma once
// RateLimiter: at most N deliveries per sliding minute for one notifier. Alerts held back
// by it are not dropped: they wait and go out together in the next allowed batch.
// Pure (time is passed in); not thread-safe.
#include <chrono>
#include <deque>

namespace sshd_health {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// `per_minute` 0 = unlimited.
  explicit RateLimiter(long per_minute) : per_minute_(per_minute) {}

  /// The earliest time a delivery may start (`now` when one may start right away).
  TimePoint NextAllowed(TimePoint now) {
    Forget(now);
    if (per_minute_ <= 0 || static_cast<long>(sent_.size()) < per_minute_) return now;
    return sent_.front() + std::chrono::minutes(1);
  }
  /// Records a delivery started at `now`.
  void Record(TimePoint now) {
    if (per_minute_ > 0) sent_.push_back(now);
  }

 private:
  void Forget(TimePoint now) {
    while (!sent_.empty() && sent_.front() + std::chrono::minutes(1) <= now) sent_.pop_front();
  }
  long per_minute_;
  std::deque<TimePoint> sent_;
};

}  // namespace sshd_health
