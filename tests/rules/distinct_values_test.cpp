// DistinctValues against std::map as the model: same values, same times, same earliest
// time left after a drop, through growth, the cap, drops that break probe runs and drops
// that shrink the table.
#include "rules/distinct_values.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

using namespace sshd_health;

TEST_CASE("distinct values keep what a map keeps, through growth, cap and drops", "[rules]") {
  std::mt19937_64 rng(3);
  for (const std::size_t max : {std::size_t{10}, std::size_t{4096}}) {
    DistinctValues values;
    std::map<std::uint64_t, std::int64_t> model;
    std::int64_t now = 1'800'000'000'000'000;
    for (int step = 0; step < 100'000; ++step) {
      now += static_cast<std::int64_t>(rng() % 1000);
      // Few distinct values, so the same ones come back; some with colliding low bits
      // (the table's index), so probe runs form; a time now and then out of order.
      std::uint64_t v = rng() % 3000;
      if (v % 5 == 0) v <<= 40;
      const std::int64_t us = rng() % 50 == 0 ? now - 5000 : now;
      values.See(v, us, max);
      if (auto it = model.find(v); it != model.end()) {
        it->second = std::max(it->second, us);
      } else if (model.size() < max) {
        model.emplace(v, us);
      }
      REQUIRE(values.size() == model.size());
      const std::uint64_t probe = rng() % 2 == 0 ? v : rng() % 3000;
      const auto held = model.find(probe);
      REQUIRE(values.Find(probe) ==
              (held == model.end() ? std::nullopt : std::optional<std::int64_t>(held->second)));
      if (rng() % 100 == 0) {
        const std::int64_t horizon = now - static_cast<std::int64_t>(rng() % 400'000);
        std::erase_if(model, [&](const auto& e) { return e.second <= horizon; });
        std::int64_t first = now;
        for (const auto& e : model) first = std::min(first, e.second);
        REQUIRE(values.DropUpTo(horizon, now) == first);
        REQUIRE(values.size() == model.size());
      }
    }
    // Every value the model holds is still found (a repeat adds nothing).
    for (const auto& [v, us] : model) values.See(v, us, max);
    CHECK(values.size() == model.size());
    values.Reset();
    CHECK(values.size() == 0);
  }
}
