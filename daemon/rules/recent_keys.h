#pragma once
// RecentKeys: when each key (a keyed hash, as DistinctValues holds) was last seen, for at
// least the last `window`: two generations, the current one and the one before, and every
// `window` the older is dropped whole. No walk over the entries, ever: a table of 100,000
// keys walked once per window cost a fifth of a second on a day's log. Memory is bounded
// by `max` keys per generation and returns to nothing two windows after the last key.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "rules/distinct_values.h"

namespace sshd_health {

class RecentKeys {
 public:
  /// Records `key` at `t`. A key not held yet is added only while the current generation
  /// holds fewer than `max`.
  void See(std::uint64_t key, TimePoint t, Duration window, std::size_t max);
  /// When `key` was last seen, if it is still held (it may be older than the window).
  std::optional<TimePoint> LastSeen(std::uint64_t key) const;
  /// Starts a new generation when the current one is `window` old at `now`.
  void Age(TimePoint now, Duration window);

  std::size_t size() const { return current_.size() + previous_.size(); }
  void Reset();

 private:
  DistinctValues current_;
  DistinctValues previous_;
  TimePoint since_{};  // when current_ began
};

}  // namespace sshd_health
