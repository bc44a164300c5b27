#pragma once
// KeyedHash: SipHash-2-4, a keyed PRF, for tables whose keys an attacker writes and whose
// collisions would hide him (a distinct-user count that two names share, a first-seen
// memory that takes a new source for a known one). core's KeyHash is fast but keys with
// bytes >= 0x80 collide under every seed (core/hash_index.h); SipHash's 128-bit secret
// key makes a collision a 2^-64 guess. Not on the per-event hot path of plain rules.
#include <array>
#include <cstdint>
#include <string_view>

namespace sshd_health {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
  friend bool operator==(const SipKey&, const SipKey&) = default;
};

/// A fresh random key (from the system's random source).
SipKey RandomSipKey();

/// SipHash-2-4 of `data` under `key` (the reference algorithm of Aumasson and Bernstein).
std::uint64_t SipHash24(const SipKey& key, std::string_view data);

}  // namespace sshd_health
