#include "rules/group_store.h"

namespace sshd_health {
namespace {

constexpr std::size_t kMinTable = 64;
// Compact when fewer than 1 slot in kSparse is live (and the slab is worth it).
constexpr std::size_t kSparse = 4;
constexpr std::size_t kMinCompact = 1024;
constexpr std::size_t kMaxSpareExtras = 1024;

}  // namespace

GroupStore::GroupStore(std::size_t rule_count)
    : free_(rule_count),
      spare_extras_(rule_count),
      index_(kMinTable / 2),
      head_(rule_count, Group::kNil),
      tail_(rule_count, Group::kNil),
      rule_live_(rule_count, 0) {}

Group* GroupStore::Find(std::uint32_t rule, std::string_view key, std::uint32_t hash) {
  const std::uint32_t slot = index_.Find(hash, [&](std::uint32_t s) {
    const Group& g = slots_[s];
    return g.rule == rule && g.key == key;
  });
  return slot == HashIndex::kNone ? nullptr : &slots_[slot];
}

void GroupStore::PushBack(std::uint32_t slot, std::uint32_t rule) {
  next_[slot] = Group::kNil;
  if (tail_[rule] != Group::kNil)
    next_[tail_[rule]] = slot;
  else
    head_[rule] = slot;
  tail_[rule] = slot;
}

std::uint32_t GroupStore::NewSlot(std::uint32_t rule) {
  if (free_count_ > 0) {
    // A slot of the same rule first: its counters and extra fit this rule as they are
    // (a slot freed by a rule with a smaller threshold or without `distinct` would
    // allocate again). Another rule's free slot only when the rule has none.
    std::vector<std::uint32_t>* list = &free_[rule];
    for (std::size_t r = 0; list->empty(); ++r) list = &free_[r];
    const std::uint32_t slot = list->back();
    list->pop_back();
    --free_count_;
    return slot;
  }
  slots_.emplace_back();
  next_.push_back(Group::kNil);
  touched_.push_back(0);
  return static_cast<std::uint32_t>(slots_.size() - 1);
}

Group& GroupStore::Insert(std::uint32_t rule, std::string_view key, std::uint32_t hash) {
  const std::uint32_t slot = NewSlot(rule);
  Group& g = slots_[slot];
  g.key.assign(key);
  g.rule = rule;
  g.slot = slot;
  g.hash = hash;
  g.live = true;
  touched_[slot] = 0;
  index_.Insert(g.hash, slot);
  PushBack(slot, rule);
  ++live_;
  ++rule_live_[rule];
  return g;
}

Group* GroupStore::Oldest(std::uint32_t rule) {
  while (head_[rule] != Group::kNil) {
    const std::uint32_t slot = head_[rule];
    if (touched_[slot] == 0) return &slots_[slot];
    // Second chance: used since it was queued, so not the oldest; requeue it untouched.
    touched_[slot] = 0;
    if (tail_[rule] == slot) return &slots_[slot];
    head_[rule] = next_[slot];
    PushBack(slot, rule);
  }
  return nullptr;
}

void GroupStore::EraseOldest(Group& g) {
  const std::uint32_t slot = g.slot;
  index_.Erase(g.hash, slot);
  head_[g.rule] = next_[slot];
  if (tail_[g.rule] == slot) tail_[g.rule] = Group::kNil;
  --rule_live_[g.rule];
  if (g.extra && spare_extras_[g.rule].size() < kMaxSpareExtras) {
    g.extra->Clear();
    spare_extras_[g.rule].push_back(std::move(g.extra));
  }
  g.Recycle();
  next_[slot] = Group::kNil;
  touched_[slot] = 0;
  free_[g.rule].push_back(slot);
  ++free_count_;
  --live_;
}

std::unique_ptr<GroupExtra> GroupStore::TakeExtra(std::uint32_t rule) {
  std::vector<std::unique_ptr<GroupExtra>>& spares = spare_extras_[rule];
  if (spares.empty()) return std::make_unique<GroupExtra>();
  std::unique_ptr<GroupExtra> x = std::move(spares.back());
  spares.pop_back();
  return x;
}

bool GroupStore::CompactIfSparse() {
  const bool slab_sparse = slots_.size() >= kMinCompact && live_ * kSparse < slots_.size();
  const bool table_sparse =
      index_.table_size() > kMinTable && live_ * 2 * kSparse < index_.table_size();
  if (!slab_sparse && !table_sparse) return false;
  // Move the live groups, rule by rule in queue order, into a fresh slab.
  GroupSlab old;
  old.swap(slots_);
  std::vector<std::uint32_t> old_next;
  old_next.swap(next_);
  std::vector<std::uint8_t> old_touched;
  old_touched.swap(touched_);
  for (auto& list : free_) list = std::vector<std::uint32_t>();
  for (auto& list : spare_extras_) list = std::vector<std::unique_ptr<GroupExtra>>();
  free_count_ = 0;
  for (std::size_t rule = 0; rule < head_.size(); ++rule) {
    std::uint32_t s = head_[rule];
    head_[rule] = tail_[rule] = Group::kNil;
    while (s != Group::kNil) {
      const std::uint32_t next = old_next[s];
      const auto slot = static_cast<std::uint32_t>(slots_.size());
      Group& moved = slots_.emplace_back();
      moved = std::move(old[s]);
      next_.push_back(Group::kNil);
      touched_.push_back(old_touched[s]);
      moved.slot = slot;
      PushBack(slot, static_cast<std::uint32_t>(rule));
      s = next;
    }
  }
  old = GroupSlab();
  index_.Reset(live_);
  for (std::size_t i = 0; i < slots_.size(); ++i) index_.Insert(slots_[i].hash, slots_[i].slot);
  return true;
}

}  // namespace sshd_health
