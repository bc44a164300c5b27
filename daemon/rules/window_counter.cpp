#include "rules/window_counter.h"

#include <algorithm>

namespace sshd_health {
namespace {

// Floor division: bucket indexes stay ordered for times before the epoch too.
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

void WindowCounter::Reset() {
  heap_.reset();
  heap_capacity_ = 0;
  Clear();
}

std::int64_t* WindowCounter::Times(std::uint32_t threshold) {
  if (threshold <= kInline) return inline_.times;
  if (heap_capacity_ < threshold) {
    heap_ = std::make_unique<std::int64_t[]>(threshold);
    heap_capacity_ = threshold;
  }
  return heap_.get();
}

std::uint64_t WindowCounter::Add(TimePoint t, std::uint32_t threshold, Duration window,
                                 TimePoint& oldest) {
  oldest = t;
  if (threshold <= 1) return 1;  // nothing to remember: every event reaches the threshold
  if (threshold <= kExactThreshold) return AddExact(ToMicros(t), threshold, window, oldest);
  return AddBucketed(ToMicros(t), threshold, window, oldest);
}

std::uint64_t WindowCounter::AddExact(std::int64_t us, std::uint32_t threshold, Duration window,
                                      TimePoint& oldest) {
  std::int64_t* times = Times(threshold);
  times[next_] = us;
  if (++next_ == threshold) next_ = 0;
  if (size_ < threshold) ++size_;
  const std::int64_t horizon = us - ToMicros(window);
  std::int64_t first = us;
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < size_; ++i) {
    const std::int64_t x = times[i];
    if (x > horizon && x <= us) {
      ++n;
      first = std::min(first, x);
    }
  }
  oldest = FromMicros(first);
  return n;
}

std::uint64_t WindowCounter::AddBucketed(std::int64_t us, std::uint32_t threshold, Duration window,
                                         TimePoint& oldest) {
  static_assert((kBuckets & (kBuckets - 1)) == 0, "bucket index by mask");
  const std::int64_t width = std::max<std::int64_t>(1, ToMicros(window) / kBuckets);
  const std::int64_t index = FloorDiv(us, width);
  if (size_ == 0) {
    inline_.buckets = Buckets{index, 0, {}};
    size_ = 1;
  }
  Buckets& b = inline_.buckets;
  // Bucket i lives at i mod kBuckets; for a power of two that is the low bits, negative
  // indexes included (two's complement).
  auto count_at = [&](std::int64_t i) -> std::uint32_t& {
    return b.count[static_cast<std::uint64_t>(i) & (kBuckets - 1)];
  };
  if (index > b.newest) {
    // Empty the buckets that slid out of the window.
    const std::int64_t clear = std::min<std::int64_t>(index - b.newest, kBuckets);
    for (std::int64_t i = 1; i <= clear; ++i) {
      std::uint32_t& c = count_at(b.newest + i);
      b.total -= c;
      c = 0;
    }
    b.newest = index;
  }
  // Older than the window: not counted. A full bucket stays full (four billion events
  // of one group in one bucket: the count is far past any threshold anyway).
  std::uint32_t& c = count_at(index);
  if (b.newest - index < kBuckets && c != UINT32_MAX) {
    ++c;
    ++b.total;
  }
  // The ring holds exactly the window's buckets (newest - kBuckets, newest]; `total` is
  // their sum, kept as buckets fill and empty (a slow rule's group adds on every failure
  // of a day: summing sixteen buckets each time was most of its cost).
  const auto n = static_cast<std::uint64_t>(b.total);
  // The oldest bucket matters only to a group reaching its threshold (the start of its
  // episode): found then, not on every event.
  if (n < threshold) return n;
  std::int64_t first = index;
  for (std::int64_t i = b.newest - kBuckets + 1; i <= b.newest; ++i) {
    if (count_at(i) > 0) {
      first = i;
      break;
    }
  }
  oldest = FromMicros(std::min(first * width, us));
  return n;
}

}  // namespace sshd_health
