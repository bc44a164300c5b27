// HashIndex against a std::map model under random inserts and erases (the backward-shift
// erase is where open addressing goes wrong), and KeyHash's basic promises.
#include "core/hash_index.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace sshd_health {
namespace {

TEST_CASE("hash index finds exactly what a map holds through inserts, erases and growth",
          "[core]") {
  std::mt19937 rng(7);
  std::vector<std::uint64_t> keys;  // slot -> key (0 = free)
  std::map<std::uint64_t, std::uint32_t> model;
  HashIndex index(4);
  // Few distinct 32-bit hashes on purpose: long probe runs and equal hashes of different keys.
  const auto hash_of = [](std::uint64_t key) { return static_cast<std::uint32_t>(key % 97); };
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t key = 1 + rng() % 600;
    const auto found = index.Find(hash_of(key), [&](std::uint32_t s) { return keys[s] == key; });
    const auto it = model.find(key);
    REQUIRE((found == HashIndex::kNone) == (it == model.end()));
    if (it != model.end()) {
      REQUIRE(found == it->second);
      index.Erase(hash_of(key), found);
      keys[found] = 0;
      model.erase(it);
    } else {
      const auto slot = static_cast<std::uint32_t>(keys.size());
      keys.push_back(key);
      index.Insert(hash_of(key), slot);
      model[key] = slot;
    }
    REQUIRE(index.size() == model.size());
  }
  for (const auto& [key, slot] : model) {
    CHECK(index.Find(hash_of(key), [&](std::uint32_t s) { return keys[s] == key; }) == slot);
  }
  index.Reset(0);
  CHECK(index.size() == 0);
  CHECK(index.Find(hash_of(1), [](std::uint32_t) { return true; }) == HashIndex::kNone);
}

TEST_CASE("key hash depends on every byte, the length and the salt", "[core]") {
  CHECK(KeyHash("192.0.2.1") == KeyHash("192.0.2.1"));
  CHECK(KeyHash("192.0.2.1") != KeyHash("192.0.2.2"));
  CHECK(KeyHash("192.0.2.10") != KeyHash("192.0.2.1"));
  CHECK(KeyHash(std::string_view("a\0", 2)) != KeyHash("a"));
  CHECK(KeyHash("admin", 1) != KeyHash("admin", 2));
  CHECK(KeyHash("") != KeyHash(std::string_view("\0", 1)));
}

TEST_CASE("key hash reads every byte of the tail, whatever the key's length", "[core]") {
  // The tail after the last whole word is read by overlapping loads that differ by
  // length; a byte they missed would hash two keys alike.
  for (std::size_t len = 1; len <= 24; ++len) {
    const std::string key(len, 'x');
    for (std::size_t i = 0; i < len; ++i) {
      std::string other = key;
      other[i] = 'y';
      INFO("length " << len << ", byte " << i);
      CHECK(KeyHash(key) != KeyHash(other));
    }
  }
}

}  // namespace
}  // namespace sshd_health
