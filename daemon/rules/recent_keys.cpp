#include "rules/recent_keys.h"

#include <algorithm>
#include <utility>

namespace sshd_health {

void RecentKeys::Age(TimePoint now, Duration window) {
  if (now < since_ + window) return;
  // Two windows or more since the current began: nothing in either is recent.
  if (now >= since_ + 2 * window) {
    previous_.Reset();
  } else {
    previous_ = std::move(current_);
  }
  current_.Reset();
  since_ = now;
}

void RecentKeys::See(std::uint64_t key, TimePoint t, Duration window, std::size_t max) {
  Age(t, window);
  current_.See(key, ToMicros(t), max);
}

std::optional<TimePoint> RecentKeys::LastSeen(std::uint64_t key) const {
  std::optional<std::int64_t> us = current_.Find(key);
  if (const auto older = previous_.Find(key); older && (!us || *older > *us)) us = older;
  if (!us) return std::nullopt;
  return FromMicros(*us);
}

void RecentKeys::Reset() {
  current_.Reset();
  previous_.Reset();
  since_ = TimePoint{};
}

}  // namespace sshd_health
