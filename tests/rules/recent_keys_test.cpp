// RecentKeys: a key is found for at least one window after it was last seen and gone two
// windows after, without any walk over the entries; each generation is bounded.
#include "rules/recent_keys.h"

#include <catch2/catch.hpp>
#include <chrono>

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));
}

TEST_CASE("recent keys are kept for a window and forgotten after two", "[rules]") {
  RecentKeys keys;
  keys.See(1, kT0, 10min, 100);
  keys.See(2, kT0 + 9min, 10min, 100);
  CHECK(keys.LastSeen(1) == kT0);
  CHECK(keys.LastSeen(3) == std::nullopt);
  // A new generation began at 10 min: both still found (the older one).
  keys.See(3, kT0 + 10min, 10min, 100);
  CHECK(keys.LastSeen(1) == kT0);
  CHECK(keys.LastSeen(2) == kT0 + 9min);
  // Seen again in the new generation: the later time wins.
  keys.See(2, kT0 + 12min, 10min, 100);
  CHECK(keys.LastSeen(2) == kT0 + 12min);
  // At 20 min the first generation goes, key 1 with it; 2 and 3 stay (seen within it).
  keys.Age(kT0 + 20min, 10min);
  CHECK(keys.LastSeen(1) == std::nullopt);
  CHECK(keys.LastSeen(2) == kT0 + 12min);
  CHECK(keys.LastSeen(3) == kT0 + 10min);
  // Two windows with nothing: all gone, no memory held.
  keys.Age(kT0 + 45min, 10min);
  CHECK(keys.size() == 0);
  CHECK(keys.LastSeen(2) == std::nullopt);
}

TEST_CASE("recent keys hold at most max keys per generation", "[rules]") {
  RecentKeys keys;
  for (std::uint64_t k = 0; k < 1000; ++k) keys.See(k * 0x9e3779b97f4a7c15ULL, kT0, 10min, 64);
  CHECK(keys.size() == 64);
  CHECK(keys.LastSeen(0) == kT0);
  CHECK(keys.LastSeen(999 * 0x9e3779b97f4a7c15ULL) == std::nullopt);
  // A held key is still updated when the generation is full.
  keys.See(0, kT0 + 1s, 10min, 64);
  CHECK(keys.LastSeen(0) == kT0 + 1s);
}
