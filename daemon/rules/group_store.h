#pragma once
// GroupStore: the rules engine's per-(rule, group key) state, built for attack waves of
// 100,000 sources: groups live in a slab (no allocation per event, none per group beyond
// long keys), are found through one HashIndex (8-byte entries), and are kept
// in one queue per rule, oldest first, so expiry and eviction find the oldest in O(1).
// The queue is "second chance": an event only marks its group touched (no pointer
// chasing per event); a touched group reaching the front is moved to the back instead.
// The queue links and touched marks live in arrays of their own, beside the slab: the
// expiry walk moves every touched group it meets, and it should not fetch a group's
// bytes to do so.
// CompactIfSparse() gives memory back after a wave.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/hash_index.h"
#include "parse/sshd_event.h"
#include "rules/distinct_values.h"
#include "rules/inline_key.h"
#include "rules/window_counter.h"

namespace sshd_health {

/// What a group remembers from the event that last fired it, for its resolved alert.
/// One buffer, "ip" + "user" + "detail" + "host", so a fired group costs one allocation.
struct FiredEvent {
  std::string text;
  std::uint16_t ip_len = 0;
  std::uint16_t user_len = 0;
  std::uint16_t detail_len = 0;
  int port = 0;
  int pid = 0;
  EventKind kind{};
  bool suppressed = false;  // the storm guard folded the firing alert: no resolved alert

  std::string_view ip() const { return std::string_view(text).substr(0, ip_len); }
  std::string_view user() const { return std::string_view(text).substr(ip_len, user_len); }
  std::string_view detail() const {
    return std::string_view(text).substr(ip_len + user_len, detail_len);
  }
  /// The origin host of the firing event.
  std::string_view host() const {
    return std::string_view(text).substr(ip_len + user_len + detail_len);
  }
};

/// What only rules with `after` or `distinct` need: allocated on a group's first such
/// event, so the groups of plain rules (most of an attack wave) stay as small as before.
struct GroupExtra {
  // after: the earlier events (failures) of this group. Their times and lines are in the
  // group's window and evidence (a sequence rule counts nothing else there).
  std::uint64_t prior_count = 0;      // since prior_first
  std::uint64_t prior_in_window = 0;  // of the last `min`, inside `within` at prior_last
  TimePoint prior_first{};
  TimePoint prior_last{};
  TimePoint prior_oldest{};  // the earliest of those counted in prior_in_window
  // distinct: the value's hash (distinct_values.h) -> last seen (microseconds), bounded.
  // Values that left the window are dropped lazily, when the count reaches the threshold.
  DistinctValues distinct;

  void ResetPrior() { prior_count = prior_in_window = 0; }
  /// Back to a new GroupExtra's state, keeping the distinct table's memory.
  void Clear() {
    ResetPrior();
    prior_first = prior_last = prior_oldest = TimePoint{};
    distinct.Clear();
  }
};

// Aligned to a cache line: a group is four of them, and its first holds what
// GroupStore::Find compares (key, rule) and what every event reads first, so a lookup
// that misses touches one line, not two.
struct alignas(64) Group {
  static constexpr std::uint32_t kNil = UINT32_MAX;

  InlineKey key;
  std::uint32_t rule = 0;  // bookkeeping of the store: rule, slot, hash, live
  std::uint32_t slot = 0;
  std::uint32_t hash = 0;
  bool live = false;
  std::uint8_t evidence_count = 0;  // of `evidence` below
  TimePoint first_seen{};           // after firing: when the episode began
  TimePoint last_seen{};
  /// Before firing: events inside the window; after: every event since first_seen.
  std::uint64_t count = 0;
  TimePoint last_fired{};
  /// unless_fired: a rule this one defers to fired for this group; no firing before this.
  TimePoint covered_until{};
  std::unique_ptr<FiredEvent> fired;  // non-null while the group is firing
  std::unique_ptr<GroupExtra> extra;  // after/distinct rules only
  /// Before firing: the events in the window. Reset on firing: a firing group only
  /// needs last_seen.
  WindowCounter window;
  /// Before firing: the lines of up to kEvidenceRefs recent events, oldest first, in the
  /// engine's EvidenceRing.
  static constexpr std::size_t kEvidenceRefs = 5;
  std::array<std::uint64_t, kEvidenceRefs> evidence{};

  /// Back to a free slot's state. The slot's next group reuses the key's and the window's
  /// memory (no allocation per group in a wave; the slot goes back to its rule's free
  /// list, so the window fits the next group). The fired state, which is rare, is freed,
  /// and so is the extra (GroupStore::EraseOldest has taken it when its rule keeps
  /// spares): free slots wait for the next wave or the next compaction, and extras kept
  /// in all of them cost 9 MiB of peak RSS on a day of 100,000 sources.
  void Recycle() {
    key.clear();
    first_seen = last_seen = last_fired = covered_until = TimePoint{};
    count = 0;
    window.Clear();
    evidence_count = 0;
    fired.reset();
    extra.reset();
    live = false;
  }
};

/// The groups' storage: chunks of kChunk groups, so a group's address stays valid while
/// the slab grows, and a new group allocates once per kChunk (std::deque allocates a
/// block per 512 bytes: for groups this size, one for every two).
class GroupSlab {
 public:
  static constexpr std::size_t kChunk = 256;

  std::size_t size() const { return size_; }
  Group& operator[](std::size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const Group& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  /// A new group at the end, as a default-constructed one.
  Group& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<Group[]>(kChunk));
    return (*this)[size_++];
  }
  void swap(GroupSlab& other) noexcept {
    chunks_.swap(other.chunks_);
    std::swap(size_, other.size_);
  }

 private:
  std::vector<std::unique_ptr<Group[]>> chunks_;
  std::size_t size_ = 0;
};

/// Not thread-safe. Group pointers stay valid until Erase of that group or Compact().
class GroupStore {
 public:
  explicit GroupStore(std::size_t rule_count);

  /// The group of (rule, key), or nullptr.
  Group* Find(std::uint32_t rule, std::string_view key) { return Find(rule, key, Hash(rule, key)); }
  /// A new group, at the back of its rule's queue. REQUIRES: Find(rule, key) == nullptr.
  Group& Insert(std::uint32_t rule, std::string_view key) {
    return Insert(rule, key, Hash(rule, key));
  }
  /// The same with the hash computed once for a find-then-insert.
  static std::uint32_t Hash(std::uint32_t rule, std::string_view key) {
    return HashOf(rule, KeyHash(key));
  }
  /// Hash(rule, key) from the key's KeyHash: rules sharing a key hash it once per event.
  static std::uint32_t HashOf(std::uint32_t rule, std::uint64_t key_hash) {
    return static_cast<std::uint32_t>(
        HashMix(key_hash ^ ((std::uint64_t{rule} + 1) * 0x9e3779b97f4a7c15ULL)));
  }
  Group* Find(std::uint32_t rule, std::string_view key, std::uint32_t hash);
  /// Prefetching for the Finds of one event (no effect on results): first the index
  /// entries of all its hashes, then the groups they most likely name.
  void PrefetchIndex(std::uint32_t hash) const { index_.Prefetch(hash); }
  void PrefetchGroup(std::uint32_t hash) const {
    const std::uint32_t slot = index_.Peek(hash);
    if (slot == HashIndex::kNone) return;
    // The whole group: Find reads its key and rule, Count its times and window.
    const char* g = reinterpret_cast<const char*>(&slots_[slot]);
    for (std::size_t at = 0; at < sizeof(Group); at += 64) __builtin_prefetch(g + at);
  }
  Group& Insert(std::uint32_t rule, std::string_view key, std::uint32_t hash);
  /// An extra for a group of `rule`: one an erased group of that rule left (cleared, its
  /// counters' memory kept, so no allocation), or a new one.
  std::unique_ptr<GroupExtra> TakeExtra(std::uint32_t rule);
  /// Marks `g` as recently used: it will not be Oldest() before untouched groups.
  void Touch(const Group& g) { touched_[g.slot] = 1; }
  /// The least recently touched group of `rule`, or nullptr. Not const: it moves touched
  /// groups from the front to the back on the way.
  Group* Oldest(std::uint32_t rule);
  /// REQUIRES: `g` is Oldest(g.rule).
  void EraseOldest(Group& g);

  std::size_t size() const { return live_; }
  /// Live groups of one rule.
  std::size_t size(std::uint32_t rule) const { return rule_live_[rule]; }
  /// Rebuilds the slab and table when most slots are free, so memory returns to its floor
  /// after a wave. Invalidates every Group pointer. True when it did.
  bool CompactIfSparse();

 private:
  void PushBack(std::uint32_t slot, std::uint32_t rule);
  std::uint32_t NewSlot(std::uint32_t rule);

  GroupSlab slots_;                    // stable addresses while growing
  std::vector<std::uint32_t> next_;    // per slot: the next group in its rule's queue
  std::vector<std::uint8_t> touched_;  // per slot: touched since it was queued
  // Per rule: the free slots it left (their memory fits its groups), and how many in all.
  std::vector<std::vector<std::uint32_t>> free_;
  std::size_t free_count_ = 0;
  // Per rule: extras of erased groups, at most kMaxSpareExtras (about 300 KiB with their
  // counters and small distinct tables): expiry frees a rule's groups a batch at a time and
  // the next events make as many new ones, which then allocate nothing.
  std::vector<std::vector<std::unique_ptr<GroupExtra>>> spare_extras_;
  HashIndex index_;                  // (rule, key) hash -> slot
  std::vector<std::uint32_t> head_;  // per rule: front of the queue (oldest)
  std::vector<std::uint32_t> tail_;  // per rule: back of the queue
  std::size_t live_ = 0;
  std::vector<std::size_t> rule_live_;  // per rule: live groups
};

}  // namespace sshd_health
