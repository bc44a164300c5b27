#include "rules/group_store.h"

#include <functional>

namespace sshd_health {
namespace {

constexpr std::size_t kMinTable = 64;
// Compact when fewer than 1 slot in kSparse is live (and the slab is worth it).
constexpr std::size_t kSparse = 4;
constexpr std::size_t kMinCompact = 1024;

std::size_t TableSizeFor(std::size_t groups) {
  std::size_t n = kMinTable;
  while (n < groups * 2) n *= 2;  // load factor at most 1/2
  return n;
}

}  // namespace

GroupStore::GroupStore(std::size_t rule_count)
    : table_(kMinTable), head_(rule_count, Group::kNil), tail_(rule_count, Group::kNil) {}

std::uint32_t GroupStore::Hash(std::uint32_t rule, std::string_view key) {
  std::uint64_t h = std::hash<std::string_view>{}(key);
  h ^= (static_cast<std::uint64_t>(rule) + 1) * 0x9e3779b97f4a7c15ULL;
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return static_cast<std::uint32_t>(h);
}

std::size_t GroupStore::FindEntry(std::uint32_t rule, std::string_view key, std::uint32_t hash) const {
  const std::size_t mask = table_.size() - 1;
  for (std::size_t pos = hash & mask;; pos = (pos + 1) & mask) {
    const Entry& e = table_[pos];
    if (e.slot == 0) return SIZE_MAX;
    if (e.hash != hash) continue;
    const Group& g = slots_[e.slot - 1];
    if (g.rule == rule && g.key == key) return pos;
  }
}

Group* GroupStore::Find(std::uint32_t rule, std::string_view key) {
  const std::size_t pos = FindEntry(rule, key, Hash(rule, key));
  return pos == SIZE_MAX ? nullptr : &slots_[table_[pos].slot - 1];
}

void GroupStore::PlaceEntry(std::uint32_t hash, std::uint32_t slot) {
  const std::size_t mask = table_.size() - 1;
  std::size_t pos = hash & mask;
  while (table_[pos].slot != 0) pos = (pos + 1) & mask;
  table_[pos] = Entry{hash, slot + 1};
}

// Linear probing without tombstones: after emptying `pos`, shift back every later entry
// of the same run that may move, so lookups never stop early at the hole.
void GroupStore::RemoveEntry(std::size_t pos) {
  const std::size_t mask = table_.size() - 1;
  std::size_t hole = pos;
  for (std::size_t j = (pos + 1) & mask; table_[j].slot != 0; j = (j + 1) & mask) {
    const std::size_t ideal = table_[j].hash & mask;
    // The entry at j may fill the hole unless its ideal position lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
    if (stays) continue;
    table_[hole] = table_[j];
    hole = j;
  }
  table_[hole] = Entry{};
}

void GroupStore::PushBack(Group& g) {
  g.next = Group::kNil;
  if (tail_[g.rule] != Group::kNil) slots_[tail_[g.rule]].next = g.slot;
  else head_[g.rule] = g.slot;
  tail_[g.rule] = g.slot;
}

Group& GroupStore::Insert(std::uint32_t rule, std::string_view key) {
  if ((live_ + 1) * 2 > table_.size()) Rebuild(table_.size() * 2);
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Group& g = slots_[slot];
  g.key.assign(key);
  g.rule = rule;
  g.slot = slot;
  g.hash = Hash(rule, key);
  g.live = true;
  PlaceEntry(g.hash, slot);
  PushBack(g);
  ++live_;
  return g;
}

Group* GroupStore::Oldest(std::uint32_t rule) {
  while (head_[rule] != Group::kNil) {
    Group& g = slots_[head_[rule]];
    if (!g.touched) return &g;
    // Second chance: used since it was queued, so not the oldest; requeue it untouched.
    g.touched = false;
    if (tail_[rule] == g.slot) return &g;
    head_[rule] = g.next;
    PushBack(g);
  }
  return nullptr;
}

void GroupStore::EraseOldest(Group& g) {
  const std::size_t pos = FindEntry(g.rule, g.key, g.hash);
  if (pos != SIZE_MAX) RemoveEntry(pos);  // always found: every live group has its entry
  head_[g.rule] = g.next;
  if (tail_[g.rule] == g.slot) tail_[g.rule] = Group::kNil;
  const std::uint32_t slot = g.slot;
  g = Group{};  // frees key, ring and fired state now
  free_.push_back(slot);
  --live_;
}

void GroupStore::Rebuild(std::size_t table_size) {
  table_.assign(table_size, Entry{});
  for (const Group& g : slots_) {
    if (g.live) PlaceEntry(g.hash, g.slot);
  }
}

bool GroupStore::CompactIfSparse() {
  const bool slab_sparse = slots_.size() >= kMinCompact && live_ * kSparse < slots_.size();
  const bool table_sparse = table_.size() > kMinTable && live_ * 2 * kSparse < table_.size();
  if (!slab_sparse && !table_sparse) return false;
  // Move the live groups, rule by rule in queue order, into a fresh slab.
  std::deque<Group> old;
  old.swap(slots_);
  free_.clear();
  free_.shrink_to_fit();
  for (std::size_t rule = 0; rule < head_.size(); ++rule) {
    std::uint32_t s = head_[rule];
    head_[rule] = tail_[rule] = Group::kNil;
    while (s != Group::kNil) {
      const std::uint32_t next = old[s].next;
      const auto slot = static_cast<std::uint32_t>(slots_.size());
      slots_.push_back(std::move(old[s]));
      Group& g = slots_.back();
      g.slot = slot;
      PushBack(g);
      s = next;
    }
  }
  old = std::deque<Group>();
  Rebuild(TableSizeFor(live_));
  table_.shrink_to_fit();
  return true;
}

}  // namespace sshd_health
