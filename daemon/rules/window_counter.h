#pragma once
// WindowCounter: how many of a group's events fall in the sliding window (t - window, t].
// Exact for thresholds up to kExactThreshold: it keeps the last `threshold` event times,
// which is all the threshold test needs. Above that, memory per group would grow with the
// threshold (100,000 groups x a threshold of 1,000 = 800 MB), so it counts in kBuckets
// buckets of window/kBuckets each instead, and an event leaves the count up to one bucket
// late.
//
// The times of thresholds up to kInline, and the buckets, live inside the counter: a
// failed login updates four or five groups of a store of 300,000, and a count kept in a
// heap block of its own was one more cache miss each (and an allocation per new group).
#include <cstdint>
#include <memory>

#include "core/clock.h"

namespace sshd_health {

class WindowCounter {
 public:
  static constexpr std::uint32_t kExactThreshold = 16;
  static constexpr std::uint32_t kBuckets = 16;
  static constexpr std::uint32_t kInline = 10;  // brute force's 10, a sequence's 5

  /// Records an event at `t`; returns the events now in the window and sets `oldest` to
  /// the earliest of them (the start of its bucket when bucketed, and then only once the
  /// count reaches `threshold`: below it, `t`). The same `threshold` and `window` must be
  /// passed on every call until Reset().
  std::uint64_t Add(TimePoint t, std::uint32_t threshold, Duration window, TimePoint& oldest);

  /// Forgets every event and frees the memory.
  void Reset();
  /// Forgets every event but keeps the memory for the next user of the counter (a group
  /// store reusing a slot): no allocation per group in a wave of short-lived sources.
  void Clear() {
    size_ = 0;
    next_ = 0;
  }

 private:
  std::uint64_t AddExact(std::int64_t us, std::uint32_t threshold, Duration window,
                         TimePoint& oldest);
  std::uint64_t AddBucketed(std::int64_t us, std::uint32_t threshold, Duration window,
                            TimePoint& oldest);

  // Exact: a ring of the last `threshold` event times (microseconds since the epoch), in
  // `inline_.times` or, above kInline, in `heap_` (kept while large enough).
  std::int64_t* Times(std::uint32_t threshold);

  struct Buckets {
    std::int64_t newest;            // the index of the newest bucket
    std::int64_t total;             // the sum of the counts
    std::uint32_t count[kBuckets];  // by bucket index modulo kBuckets
  };
  union Inline {
    std::int64_t times[kInline];
    Buckets buckets;
  };
  static_assert(sizeof(Buckets) <= sizeof(std::int64_t) * kInline);
  Inline inline_{};
  std::unique_ptr<std::int64_t[]> heap_;
  std::uint32_t heap_capacity_ = 0;
  std::uint32_t size_ = 0;  // exact: times stored; bucketed: 1 once started
  std::uint32_t next_ = 0;  // exact: ring write position
};

}  // namespace sshd_health
