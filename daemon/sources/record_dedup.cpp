#include "sources/record_dedup.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/fnv1a.h"

namespace sshd_health {
namespace {

std::uint64_t Hash(const LogRecord& r) {
  std::uint64_t h = kFnv1a64Basis;
  auto mix = [&h](std::string_view s) { h = Fnv1a64("\xff", Fnv1a64(s, h)); };  // 0xff ends a field
  mix(r.program);
  mix(std::to_string(r.pid));
  mix(r.message);
  return h;
}

}  // namespace

RecordDedup::RecordDedup(std::size_t capacity, Duration window)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      window_seconds_(std::chrono::duration_cast<std::chrono::seconds>(window).count()) {}

bool RecordDedup::IsDuplicate(int source_id, const LogRecord& record) {
  if (!record.has_ts) return false;
  const std::int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(record.ts.time_since_epoch()).count();
  const std::uint64_t hash = Hash(record);
  const auto [begin, end] = entries_.equal_range(hash);
  for (auto it = begin; it != end; ++it) {
    const Entry& e = it->second;
    if (e.source != source_id && std::abs(e.seconds - seconds) <= kSlack.count()) {
      // Leave its slot in order_ behind; Evict skips slots whose entry is gone.
      entries_.erase(it);
      return true;
    }
  }
  const Entry entry{source_id, seconds, next_seq_++};
  entries_.emplace(hash, entry);
  order_.emplace_back(hash, entry);
  newest_ = std::max(newest_, seconds);
  Evict(newest_);
  return false;
}

void RecordDedup::Evict(std::int64_t newest) {
  while (!order_.empty() &&
         (order_.size() > capacity_ || order_.front().second.seconds < newest - window_seconds_)) {
    const auto& [hash, entry] = order_.front();
    const auto [begin, end] = entries_.equal_range(hash);
    for (auto it = begin; it != end; ++it) {
      if (it->second.seq == entry.seq) {
        entries_.erase(it);
        break;
      }
    }
    order_.pop_front();
  }
}

}  // namespace sshd_health
