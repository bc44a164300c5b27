#include "rules/group_store.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "rules/evidence_ring.h"
#include "rules/inline_key.h"
#include "rules/window_counter.h"

using namespace sshd_health;
using namespace std::chrono_literals;

TEST_CASE("group store finds, queues and erases groups like a map would", "[rules]") {
  // Random inserts and oldest-first erasures against std::map as the reference; the
  // open-addressing table must never lose a key across its backward-shift deletions,
  // growth and compaction.
  GroupStore store(3);
  std::map<std::pair<std::uint32_t, std::string>, int> reference;
  std::mt19937 rng(7);
  int serial = 0;
  for (int step = 0; step < 200'000; ++step) {
    const auto rule = static_cast<std::uint32_t>(rng() % 3);
    const std::string key = "k" + std::to_string(rng() % 5000);
    if (rng() % 3 != 0) {
      Group* g = store.Find(rule, key);
      REQUIRE((g != nullptr) == (reference.count({rule, key}) == 1));
      if (g) {
        CHECK(g->count == static_cast<std::uint64_t>(reference[{rule, key}]));
        store.Touch(*g);
      } else {
        Group& n = store.Insert(rule, key);
        n.count = static_cast<std::uint64_t>(++serial);
        reference[{rule, key}] = serial;
      }
    } else if (Group* oldest = store.Oldest(rule)) {
      REQUIRE(reference.erase({rule, std::string(oldest->key.view())}) == 1);
      store.EraseOldest(*oldest);
    }
    if (step % 50'000 == 0) store.CompactIfSparse();
    REQUIRE(store.size() == reference.size());
  }
  for (const auto& [k, v] : reference) {
    const Group* g = store.Find(k.first, k.second);
    REQUIRE(g);
    CHECK(g->count == static_cast<std::uint64_t>(v));
  }
}

TEST_CASE("group store returns untouched groups first, touched ones get a second chance",
          "[rules]") {
  GroupStore store(1);
  store.Insert(0, "a");
  store.Insert(0, "b");
  store.Insert(0, "c");
  store.Touch(*store.Find(0, "a"));
  Group* g = store.Oldest(0);
  REQUIRE(g);
  CHECK(g->key == "b");
  store.EraseOldest(*g);
  CHECK(store.Oldest(0)->key == "c");
  store.EraseOldest(*store.Oldest(0));
  CHECK(store.Oldest(0)->key == "a");
  store.EraseOldest(*store.Oldest(0));
  CHECK(store.Oldest(0) == nullptr);
  CHECK(store.size() == 0);
}

TEST_CASE("group store compacts after a wave and keeps the survivors", "[rules]") {
  GroupStore store(2);
  for (int i = 0; i < 20'000; ++i)
    store.Insert(static_cast<std::uint32_t>(i % 2), std::to_string(i));
  // Touch the last 100 of each rule, then erase everything older.
  for (int i = 19'800; i < 20'000; ++i)
    store.Touch(*store.Find(static_cast<std::uint32_t>(i % 2), std::to_string(i)));
  for (std::uint32_t rule = 0; rule < 2; ++rule) {
    for (int n = 0; n < 9'900; ++n) store.EraseOldest(*store.Oldest(rule));
  }
  REQUIRE(store.size() == 200);
  CHECK(store.CompactIfSparse());
  CHECK_FALSE(store.CompactIfSparse());
  for (int i = 19'800; i < 20'000; ++i)
    CHECK(store.Find(static_cast<std::uint32_t>(i % 2), std::to_string(i)));
  CHECK(store.Find(0, "0") == nullptr);
}

TEST_CASE("evidence ring returns recent lines and forgets overwritten ones", "[rules]") {
  EvidenceRing ring(1024);
  std::string out;
  CHECK_FALSE(ring.Get(0, out));
  const auto first = ring.Append("first line");
  CHECK(ring.Get(first, out));
  CHECK(out == "first line");
  std::vector<EvidenceRing::Ref> refs;
  for (int i = 0; i < 100; ++i)
    refs.push_back(ring.Append("line number " + std::to_string(i)));  // wraps
  CHECK_FALSE(ring.Get(first, out));
  REQUIRE(ring.Get(refs.back(), out));
  CHECK(out == "line number 99");
  REQUIRE(ring.Get(refs[95], out));
  CHECK(out == "line number 95");
  CHECK_FALSE(ring.Get(refs[0], out));
  const std::string big(5000, 'x');
  const auto r = ring.Append(big);  // longer than the ring: cut to fit
  REQUIRE(ring.Get(r, out));
  CHECK(out.size() == 1022);
}

TEST_CASE("evidence ring keeps every recent line whole, wherever the ring's end cuts it",
          "[rules]") {
  // Lengths 0..40 against a 1,024-byte ring: entries (and their 2-byte headers) start
  // and end at every offset, split by the ring's end at every point.
  EvidenceRing ring(1024);
  std::vector<std::pair<EvidenceRing::Ref, std::string>> written;
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    std::string line(static_cast<std::size_t>(i % 41), static_cast<char>('a' + i % 26));
    if (!line.empty()) line[0] = static_cast<char>('0' + i % 10);
    written.emplace_back(ring.Append(line), line);
    // The last 20 entries (at most 840 bytes with headers) are all still in the ring.
    for (std::size_t k = written.size() > 20 ? written.size() - 20 : 0; k < written.size(); ++k) {
      INFO("entry " << k << " after " << i);
      REQUIRE(ring.Get(written[k].first, out));
      CHECK(out == written[k].second);
    }
  }
}

TEST_CASE("window counter counts exactly the events of the last window, its oldest edge excluded",
          "[rules]") {
  WindowCounter w;
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'000'000));
  TimePoint oldest;
  CHECK(w.Add(t0, 3, 10s, oldest) == 1);
  CHECK(w.Add(t0 + 5s, 3, 10s, oldest) == 2);
  CHECK(oldest == t0);
  CHECK(w.Add(t0 + 10s, 3, 10s, oldest) == 2);  // t0 is exactly one window old
  CHECK(oldest == t0 + 5s);
  CHECK(w.Add(t0 + 11s, 3, 10s, oldest) == 3);
  w.Reset();
  CHECK(w.Add(t0 + 11s, 3, 10s, oldest) == 1);
}

TEST_CASE("window counter agrees with a model of its last times, in order or not", "[rules]") {
  // The exact counter keeps the last `threshold` times; its answer is how many of them lie
  // in (t - window, t] and the earliest of those. The model is run on ordered streams,
  // streams with an occasional late time (merged sources), and shuffled ones.
  std::mt19937 rng(11);
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'000'000));
  for (int round = 0; round < 300; ++round) {
    const std::uint32_t threshold = 2 + rng() % 15;
    const auto window = std::chrono::seconds(1 + rng() % 30);
    const int disorder = round % 3;  // 0: in order, 1: now and then late, 2: any order
    WindowCounter w;
    std::vector<TimePoint> added;
    TimePoint clock = t0;
    for (int i = 0; i < 200; ++i) {
      clock += std::chrono::milliseconds(rng() % 4000);
      TimePoint t = clock;
      if ((disorder == 1 && rng() % 10 == 0) || disorder == 2)
        t -= std::chrono::milliseconds(rng() % 20000);
      added.push_back(t);
      std::uint64_t expected = 0;
      TimePoint expected_oldest = t;
      const std::size_t from = added.size() > threshold ? added.size() - threshold : 0;
      for (std::size_t k = from; k < added.size(); ++k) {
        if (added[k] > t - window && added[k] <= t) {
          ++expected;
          expected_oldest = std::min(expected_oldest, added[k]);
        }
      }
      TimePoint oldest;
      const std::uint64_t got = w.Add(t, threshold, window, oldest);
      if (got != expected || oldest != expected_oldest) {
        FAIL_CHECK("round " << round << " event " << i << ": counted " << got << ", expected "
                            << expected);
        break;
      }
    }
  }
}

TEST_CASE("a cleared window counter starts afresh, whatever threshold or mode the next user has",
          "[rules]") {
  WindowCounter w;
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'000'000));
  TimePoint oldest;
  CHECK(w.Add(t0, 2, 10s, oldest) == 1);
  CHECK(w.Add(t0 + 1s, 2, 10s, oldest) == 2);
  w.Clear();  // a store reusing the slot for a rule with a larger threshold
  for (int i = 0; i < 9; ++i)
    CHECK(w.Add(t0 + std::chrono::seconds(i), 12, 60s, oldest) ==
          static_cast<std::uint64_t>(i + 1));
  w.Clear();  // and for a bucketed one: no count may leak from the exact times
  CHECK(w.Add(t0, 100, 16s, oldest) == 1);
  CHECK(w.Add(t0 + 1s, 100, 16s, oldest) == 2);
  w.Clear();  // and back to exact
  CHECK(w.Add(t0, 3, 10s, oldest) == 1);
  CHECK(oldest == t0);
}

namespace {

// The bucketed count as first written (a modulo per bucket, the oldest bucket found on
// every event): the reference for the one that sums the ring.
struct BucketModel {
  std::int64_t newest = 0;
  std::int64_t counts[WindowCounter::kBuckets] = {};
  bool started = false;
  std::uint64_t Add(std::int64_t us, Duration window, std::int64_t& oldest_us) {
    constexpr std::int64_t k = WindowCounter::kBuckets;
    const std::int64_t width = std::max<std::int64_t>(1, ToMicros(window) / k);
    const std::int64_t index = us / width - ((us % width != 0) && (us < 0));
    auto at = [&](std::int64_t i) -> std::int64_t& { return counts[((i % k) + k) % k]; };
    if (!started) {
      newest = index;
      started = true;
    }
    if (index > newest) {
      for (std::int64_t i = 1; i <= std::min<std::int64_t>(index - newest, k); ++i)
        at(newest + i) = 0;
      newest = index;
    }
    if (newest - index < k) ++at(index);
    std::uint64_t n = 0;
    std::int64_t first = index;
    for (std::int64_t i = newest - k + 1; i <= newest; ++i) {
      if (at(i) > 0 && n == 0) first = i;
      n += static_cast<std::uint64_t>(at(i));
    }
    oldest_us = std::min(first * width, us);
    return n;
  }
};

}  // namespace

TEST_CASE("bucketed window counter agrees with its first form, before the epoch too", "[rules]") {
  std::mt19937 rng(13);
  for (int round = 0; round < 200; ++round) {
    const std::uint32_t threshold = 17 + rng() % 60;
    const auto window = std::chrono::seconds(16 + rng() % 5000);
    WindowCounter w;
    BucketModel model;
    // Some rounds straddle the epoch: negative bucket indexes.
    std::int64_t clock = round % 4 == 0 ? -5'000'000'000 : 1'800'000'000'000'000;
    for (int i = 0; i < 2000; ++i) {
      clock += static_cast<std::int64_t>(rng() % 200'000'000);
      const std::int64_t us =
          rng() % 10 == 0 ? clock - static_cast<std::int64_t>(rng() % 600'000'000) : clock;
      std::int64_t want_oldest = 0;
      const std::uint64_t want = model.Add(us, window, want_oldest);
      TimePoint oldest;
      const std::uint64_t got = w.Add(FromMicros(us), threshold, window, oldest);
      REQUIRE(got == want);
      if (got >= threshold) REQUIRE(ToMicros(oldest) == want_oldest);
    }
  }
}

TEST_CASE("an erased group's extra is kept, cleared, for its own rule's next group", "[rules]") {
  GroupStore store(2);
  Group& g = store.Insert(0, "a");
  g.extra = store.TakeExtra(0);
  g.extra->prior_count = 7;
  g.extra->distinct.See(42, 1, 16);
  const GroupExtra* kept = g.extra.get();
  store.EraseOldest(*store.Oldest(0));
  // Another rule does not get it (its counters are sized for rule 0's thresholds).
  const std::unique_ptr<GroupExtra> other = store.TakeExtra(1);
  CHECK(other.get() != kept);
  std::unique_ptr<GroupExtra> again = store.TakeExtra(0);
  CHECK(again.get() == kept);
  CHECK(again->prior_count == 0);
  CHECK(again->distinct.size() == 0);
  // None left: a new one.
  CHECK(store.TakeExtra(0).get() != nullptr);
}

TEST_CASE("a group's inline key holds short and long keys, moved and reused", "[rules]") {
  const std::string shortest = "", inlined(InlineKey::kInline, 'a'),
                    longer(InlineKey::kInline + 1, 'b'), longest(300, 'c');
  InlineKey k;
  CHECK(k.empty());
  for (const std::string* text : {&inlined, &longer, &shortest, &longest, &longer, &inlined}) {
    k.assign(*text);
    CHECK(k.view() == *text);
    CHECK(k.size() == text->size());
    InlineKey moved(std::move(k));
    CHECK(moved.view() == *text);
    CHECK(k.empty());  // NOLINT: a moved-from key is empty
    k = std::move(moved);
    CHECK(k == *text);
  }
  k.assign(longest);
  k.clear();
  CHECK(k.empty());
  k.assign(longer);  // into the kept block
  CHECK(k.view() == longer);
  // An event without the key's field gives an empty view with a null data(): memcpy may
  // not see it (UBSan stopped the ASan suite and rule_loader_fuzz on it).
  k.assign(std::string_view());
  CHECK(k.empty());
}
