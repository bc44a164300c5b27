#include "rules/keyed_hash.h"

#include <bit>
#include <cstring>

#include "core/hash_index.h"

namespace sshd_health {
namespace {

inline std::uint64_t Rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline void Round(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2, std::uint64_t& v3) {
  v0 += v1;
  v1 = Rotl(v1, 13);
  v1 ^= v0;
  v0 = Rotl(v0, 32);
  v2 += v3;
  v3 = Rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = Rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = Rotl(v1, 17);
  v1 ^= v2;
  v2 = Rotl(v2, 32);
}

// Little-endian loads, whatever the host's order (the reference vectors assume it): one
// move on a little-endian host.
inline std::uint64_t Load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return std::endian::native == std::endian::little ? v : __builtin_bswap64(v);
}
inline std::uint64_t Load32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return std::endian::native == std::endian::little ? v : __builtin_bswap32(v);
}

// The last n % 8 bytes of the n at p, little-endian, by fixed-size loads (a memcpy of a
// variable length is a library call): the key's last 8 bytes shifted when it has them,
// else two overlapping 4-byte loads, else the bytes one by one (at most 3).
inline std::uint64_t LoadTail(const unsigned char* p, std::size_t n) {
  const std::size_t r = n % 8;
  if (r == 0) return 0;
  if (n >= 8) return Load64(p + n - 8) >> (8 * (8 - r));
  if (r >= 4) return Load32(p) | Load32(p + r - 4) << (8 * (r - 4));
  return std::uint64_t{p[0]} | std::uint64_t{p[r / 2]} << (8 * (r / 2)) |
         std::uint64_t{p[r - 1]} << (8 * (r - 1));
}

}  // namespace

SipKey RandomSipKey() { return {RandomSeed(), RandomSeed()}; }

std::uint64_t SipHash24(const SipKey& key, std::string_view data) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ key.k0;
  std::uint64_t v1 = 0x646f72616e646f6dULL ^ key.k1;
  std::uint64_t v2 = 0x6c7967656e657261ULL ^ key.k0;
  std::uint64_t v3 = 0x7465646279746573ULL ^ key.k1;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
  const std::size_t whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    const std::uint64_t m = Load64(p + i);
    v3 ^= m;
    Round(v0, v1, v2, v3);
    Round(v0, v1, v2, v3);
    v0 ^= m;
  }
  const std::uint64_t b = (static_cast<std::uint64_t>(n) << 56) | LoadTail(p, n);
  v3 ^= b;
  Round(v0, v1, v2, v3);
  Round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace sshd_health
