#pragma once
// FNV-1a, 64 bit (Fowler, Noll, Vo: http://www.isthe.com/chongo/tech/comp/fnv/): the hash
// for what must come out the same in every build and every run - alert ids, state file
// names, the journal dedup key. It is not keyed: never use it where an attacker's choice
// of keys could pile them up in one bucket (in-memory tables use absl's seeded hash).
#include <cstdint>
#include <string_view>

namespace sshd_health {

inline constexpr std::uint64_t kFnv1a64Basis = 14695981039346656037ULL;  // 0xcbf29ce484222325
inline constexpr std::uint64_t kFnv1a64Prime = 1099511628211ULL;         // 0x100000001b3

/// The hash of `bytes`, continuing from `state` (pass a previous result to hash several
/// pieces as one).
constexpr std::uint64_t Fnv1a64(std::string_view bytes, std::uint64_t state = kFnv1a64Basis) {
  for (const char c : bytes) {
    state ^= static_cast<unsigned char>(c);
    state *= kFnv1a64Prime;
  }
  return state;
}

}  // namespace sshd_health
