#pragma once
// The two pieces every per-key table on the hot path shares (the rules engine's groups,
// the parser's per-PID sessions):
//
// KeyHash: a fast 64-bit hash of a short key (an address, a user name, a host name),
// seeded once per process at random. The keys come from log lines, so an attacker
// chooses them; the seed keeps him from aiming ASCII keys at one probe run, but the hash
// is no keyed PRF: keys differing in the top bits of bytes 8i+7, 8i+11 and 8i+15 collide
// under every seed (docs/performance-tricks.md). Keys here are addresses, PIDs, alert ids
// and sshd-escaped user names, which never hold such bytes.
//
// HashIndex: an open-addressing index from a key's 32-bit hash to a slot number in the
// caller's own array, 8 bytes per entry, linear probing, load factor at most 1/2. It
// stores no keys: Find asks the caller whether a slot holds the key. No allocation except
// when it grows.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace sshd_health {

/// A random 64-bit value from the system (not on the hot path).
std::uint64_t RandomSeed();

/// The process's hash seed (random, fixed at first use). Inline: it is read per key.
inline std::uint64_t HashSeed() {
  static const std::uint64_t seed = RandomSeed();
  return seed;
}

inline std::uint64_t HashMix(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

/// One word into a KeyHash state: a multiply and a shift, each a bijection of the state
/// for a given word, so keys that differ in one word differ after it; the full HashMix
/// runs once, at the end.
inline std::uint64_t HashStep(std::uint64_t h, std::uint64_t v) {
  h = (h ^ v) * 0x9fb21c651e98df25ULL;
  return h ^ (h >> 32);
}

/// `salt` separates tables that share keys (one rule's groups from another's).
/// The bytes after the last whole 8-byte word are read with fixed-size loads (the key's
/// last 8 bytes, overlapping, when it has them): a memcpy of a variable length is a
/// library call, and most keys (addresses) end in such a tail.
inline std::uint64_t KeyHash(std::string_view key, std::uint64_t salt = 0) {
  std::uint64_t h = HashSeed() ^ (salt * 0x9e3779b97f4a7c15ULL) ^ key.size();
  const char* p = key.data();
  const std::size_t size = key.size();
  std::size_t n = size;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = HashStep(h, v);
  }
  if (n > 0) {
    std::uint64_t v = 0;
    if (size >= 8) {
      std::memcpy(&v, p + n - 8, 8);
      v >>= 8 * (8 - n);
    } else if (n >= 4) {
      std::uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      v = lo | std::uint64_t{hi} << 32;
    } else {
      v = static_cast<unsigned char>(p[0]) |
          static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
          static_cast<std::uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
    }
    h = HashStep(h, v ^ (std::uint64_t{n} << 59));
  }
  return HashMix(h);
}

class HashIndex {
 public:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  explicit HashIndex(std::size_t capacity = 32) { Reset(capacity); }

  /// The slot whose hash is `hash` and for which `holds(slot)` is true, or kNone.
  template <typename Holds>
  std::uint32_t Find(std::uint32_t hash, Holds&& holds) const {
    for (std::size_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
      const Entry& e = table_[pos];
      if (e.slot == 0) return kNone;
      if (e.hash == hash && holds(e.slot - 1)) return e.slot - 1;
    }
  }

  /// Starts loading the entry a Find(hash) reads first; changes nothing. A caller with
  /// several lookups to make (the rules of one event) prefetches them all first, so their
  /// cache misses overlap instead of following one another.
  void Prefetch(std::uint32_t hash) const { __builtin_prefetch(&table_[hash & mask_]); }

  /// The slot of the first entry under `hash`, or kNone: where Find(hash, ...) most likely
  /// ends, for prefetching the caller's slot before the real Find.
  std::uint32_t Peek(std::uint32_t hash) const {
    for (std::size_t pos = hash & mask_;; pos = (pos + 1) & mask_) {
      const Entry& e = table_[pos];
      if (e.slot == 0) return kNone;
      if (e.hash == hash) return e.slot - 1;
    }
  }

  /// Adds `slot` under `hash`, growing first when the table would pass half full.
  void Insert(std::uint32_t hash, std::uint32_t slot) {
    if ((size_ + 1) * 2 > table_.size()) Grow();
    Place(hash, slot);
    ++size_;
  }

  /// Removes the entry of `slot` (found under `hash`); nothing when absent.
  void Erase(std::uint32_t hash, std::uint32_t slot);

  /// Empties the index and sizes it for `capacity` entries (memory shrinks too).
  void Reset(std::size_t capacity);

  std::size_t size() const { return size_; }
  std::size_t table_size() const { return table_.size(); }

 private:
  struct Entry {
    std::uint32_t hash = 0;
    std::uint32_t slot = 0;  // slot + 1; 0 = empty
  };

  void Place(std::uint32_t hash, std::uint32_t slot) {
    std::size_t pos = hash & mask_;
    while (table_[pos].slot != 0) pos = (pos + 1) & mask_;
    table_[pos] = Entry{hash, slot + 1};
  }
  void Grow();

  std::vector<Entry> table_;  // size a power of 2
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sshd_health
