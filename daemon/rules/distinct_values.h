#pragma once
// DistinctValues: what a `distinct:` group counts - the values it saw (their SipHash,
// keyed_hash.h; for addresses the seeded KeyHash of core/hash_index.h, which holds for
// such ASCII text) with the time each was last seen. A flat open-addressing table of 16-byte
// entries, linear probing, at most half full: finding a value is one probe into one array,
// where a node-based map fetched a node of its own per value (a cache miss per event in a
// wave: a scan of 50,000 sources against one user keeps 4,096 values). The values are keyed
// hashes, uniform under a secret key, so their low bits index the table directly and an
// attacker cannot aim values at one run of slots.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sshd_health {

class DistinctValues {
 public:
  std::size_t size() const { return size_; }

  /// Records `value` as seen at `us` (the later of its times is kept). A value not held
  /// yet is added only while fewer than `max` are held.
  void See(std::uint64_t value, std::int64_t us, std::size_t max);

  /// When `value` was last seen, if it is held.
  std::optional<std::int64_t> Find(std::uint64_t value) const;

  /// Drops the values last seen at or before `horizon`; returns the earliest of `start`
  /// and the times of those left.
  std::int64_t DropUpTo(std::int64_t horizon, std::int64_t start);

  /// Forgets every value and frees the table.
  void Reset();
  /// Forgets every value; a small table is kept for the next user of the group's slot
  /// (most tables are small), a large one is freed so a recycled slot does not hold it.
  void Clear();

 private:
  // us == kFree marks a free entry: no event time is the earliest 64-bit value.
  static constexpr std::int64_t kFree = INT64_MIN;
  struct Entry {
    std::uint64_t value = 0;
    std::int64_t us = kFree;
  };

  static constexpr std::size_t kAbsent = SIZE_MAX;
  // Where `value` is held, or kAbsent.
  std::size_t PositionOf(std::uint64_t value) const;
  void Place(std::uint64_t value, std::int64_t us);
  void Rebuild(std::size_t capacity);

  std::vector<Entry> table_;  // size 0 or a power of 2
  std::size_t size_ = 0;
  std::size_t last_ = 0;  // where the last value seen or placed was (a hint: checked)
};

}  // namespace sshd_health
