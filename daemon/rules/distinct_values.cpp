#include "rules/distinct_values.h"

#include <algorithm>

namespace sshd_health {
namespace {

// Most groups (one source's invalid user names) hold a few values: 8 entries, 128 bytes.
constexpr std::size_t kMinTable = 8;

}  // namespace

void DistinctValues::Place(std::uint64_t value, std::int64_t us) {
  const std::size_t mask = table_.size() - 1;
  std::size_t pos = value & mask;
  while (table_[pos].us != kFree) pos = (pos + 1) & mask;
  table_[pos] = Entry{value, us};
  last_ = pos;
}

void DistinctValues::Rebuild(std::size_t capacity) {
  std::vector<Entry> old(capacity);
  old.swap(table_);
  for (const Entry& e : old) {
    if (e.us != kFree) Place(e.value, e.us);
  }
}

std::size_t DistinctValues::PositionOf(std::uint64_t value) const {
  if (table_.empty()) return kAbsent;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t pos = value & mask; table_[pos].us != kFree; pos = (pos + 1) & mask) {
    if (table_[pos].value == value) return pos;
  }
  return kAbsent;
}

void DistinctValues::See(std::uint64_t value, std::int64_t us, std::size_t max) {
  if (!table_.empty()) {
    // The value seen last, again (the fleet rule's host on a server's own log: always).
    // Held values are unique, so the entry holding it is its entry, wherever a rebuild
    // put it.
    const Entry& last = table_[last_ & (table_.size() - 1)];
    const std::size_t pos =
        last.value == value && last.us != kFree ? last_ & (table_.size() - 1) : PositionOf(value);
    if (pos != kAbsent) {
      table_[pos].us = std::max(table_[pos].us, us);
      last_ = pos;
      return;
    }
  }
  if (size_ >= max) return;
  if ((size_ + 1) * 2 > table_.size()) Rebuild(std::max(kMinTable, table_.size() * 2));
  Place(value, us);
  ++size_;
}

std::optional<std::int64_t> DistinctValues::Find(std::uint64_t value) const {
  const std::size_t pos = PositionOf(value);
  if (pos == kAbsent) return std::nullopt;
  return table_[pos].us;
}

std::int64_t DistinctValues::DropUpTo(std::int64_t horizon, std::int64_t start) {
  std::int64_t first = start;
  std::size_t kept = 0;
  bool dropped = false;
  for (Entry& e : table_) {
    if (e.us == kFree) continue;
    if (e.us <= horizon) {
      e.us = kFree;
      dropped = true;
      continue;
    }
    ++kept;
    first = std::min(first, e.us);
  }
  size_ = kept;
  // Freed entries can break the probe runs of the others: place them afresh, in a smaller
  // table when most of it is free (memory back after a wave; still at most half full).
  if (!dropped) return first;
  std::size_t capacity = table_.size();
  while (capacity > kMinTable && size_ * 8 < capacity) capacity /= 2;
  Rebuild(capacity);
  return first;
}

void DistinctValues::Clear() {
  if (table_.size() > kMinTable) return Reset();
  std::fill(table_.begin(), table_.end(), Entry{});
  size_ = 0;
}

void DistinctValues::Reset() {
  table_ = std::vector<Entry>();
  size_ = 0;
}

}  // namespace sshd_health
