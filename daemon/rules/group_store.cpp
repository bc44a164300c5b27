#include "rules/group_store.h"


namespace sshd_health {
namespace {

constexpr std::size_t kMinTable = 64;
// Compact when fewer than 1 slot in kSparse is live (and the slab is worth it).
constexpr std::size_t kSparse = 4;
constexpr std::size_t kMinCompact = 1024;

}  // namespace

GroupStore::GroupStore(std::size_t rule_count)
    : index_(kMinTable / 2), head_(rule_count, Group::kNil), tail_(rule_count, Group::kNil) {}

std::uint32_t GroupStore::Hash(std::uint32_t rule, std::string_view key) {
  return static_cast<std::uint32_t>(KeyHash(key, std::uint64_t{rule} + 1));
}

Group* GroupStore::Find(std::uint32_t rule, std::string_view key, std::uint32_t hash) {
  const std::uint32_t slot = index_.Find(hash, [&](std::uint32_t s) {
    const Group& g = slots_[s];
    return g.rule == rule && g.key == key;
  });
  return slot == HashIndex::kNone ? nullptr : &slots_[slot];
}

void GroupStore::PushBack(Group& g) {
  g.next = Group::kNil;
  if (tail_[g.rule] != Group::kNil) slots_[tail_[g.rule]].next = g.slot;
  else head_[g.rule] = g.slot;
  tail_[g.rule] = g.slot;
}

Group& GroupStore::Insert(std::uint32_t rule, std::string_view key, std::uint32_t hash) {
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
  g.hash = hash;
  g.live = true;
  index_.Insert(g.hash, slot);
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
  index_.Erase(g.hash, g.slot);
  head_[g.rule] = g.next;
  if (tail_[g.rule] == g.slot) tail_[g.rule] = Group::kNil;
  const std::uint32_t slot = g.slot;
  g.Recycle();
  free_.push_back(slot);
  --live_;
}

bool GroupStore::CompactIfSparse() {
  const bool slab_sparse = slots_.size() >= kMinCompact && live_ * kSparse < slots_.size();
  const bool table_sparse = index_.table_size() > kMinTable && live_ * 2 * kSparse < index_.table_size();
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
  index_.Reset(live_);
  for (const Group& g : slots_) index_.Insert(g.hash, g.slot);
  return true;
}

}  // namespace sshd_health
