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
  data_.reset();
  capacity_ = 0;
  Clear();
}

void WindowCounter::Reserve(std::uint32_t n) {
  if (capacity_ >= n) return;
  data_ = std::make_unique<std::int64_t[]>(n);
  capacity_ = n;
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
  if (size_ == 0) Reserve(threshold);
  data_[next_] = us;
  if (++next_ == threshold) next_ = 0;
  if (size_ < threshold) ++size_;
  const std::int64_t horizon = us - ToMicros(window);
  std::int64_t first = us;
  std::uint64_t n = 0;
  for (std::uint32_t i = 0; i < size_; ++i) {
    const std::int64_t x = data_[i];
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
    Reserve(2 + kBuckets);
    std::fill(data_.get(), data_.get() + 2 + kBuckets, 0);
    data_[0] = index;
    size_ = 1;
  }
  std::int64_t& newest = data_[0];
  std::int64_t& total = data_[1 + kBuckets];
  // Bucket i lives at i mod kBuckets; for a power of two that is the low bits, negative
  // indexes included (two's complement).
  auto count_at = [&](std::int64_t i) -> std::int64_t& {
    return data_[1 + (static_cast<std::uint64_t>(i) & (kBuckets - 1))];
  };
  if (index > newest) {
    // Empty the buckets that slid out of the window.
    const std::int64_t clear = std::min<std::int64_t>(index - newest, kBuckets);
    for (std::int64_t i = 1; i <= clear; ++i) {
      std::int64_t& c = count_at(newest + i);
      total -= c;
      c = 0;
    }
    newest = index;
  }
  if (newest - index < kBuckets) {  // older than the window: not counted
    ++count_at(index);
    ++total;
  }
  // The ring holds exactly the window's buckets (newest - kBuckets, newest]; `total` is
  // their sum, kept as buckets fill and empty (a slow rule's group adds on every failure
  // of a day: summing sixteen buckets each time was most of its cost).
  const auto n = static_cast<std::uint64_t>(total);
  // The oldest bucket matters only to a group reaching its threshold (the start of its
  // episode): found then, not on every event.
  if (n < threshold) return n;
  std::int64_t first = index;
  for (std::int64_t i = newest - kBuckets + 1; i <= newest; ++i) {
    if (count_at(i) > 0) {
      first = i;
      break;
    }
  }
  oldest = FromMicros(std::min(first * width, us));
  return n;
}

}  // namespace sshd_health
