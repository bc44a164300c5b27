// Measures (prints, never asserts) the rules engine's speed and memory per group with the
// shipped rules, on a wave of 100,000 distinct sources. Speed is judged by people reading
// the numbers, not by a threshold that flakes on a busy machine.
#include <malloc.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "rules/rule_engine.h"
#include "rules/rule_loader.h"

using namespace sshd_health;

namespace {

const std::string kShippedRules =
    (std::filesystem::path(SSHD_HEALTH_TEST_DATA).parent_path().parent_path() / "rules").string();

class CountingSink : public AlertSink {
 public:
  void Emit(const Alert&) override { ++alerts; }
  std::size_t alerts = 0;
};

std::size_t HeapInUse() { return mallinfo2().uordblks; }

// CPU time of this thread: on a machine shared with other jobs, wall time says little.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

TEST_CASE("rules engine throughput and memory on a wave of 100,000 sources", "[rules][bench]") {
  ManualClock clock;
  RuleEngine engine(LoadRules({kShippedRules}), clock);
  CountingSink sink;
  constexpr int kSources = 100'000;
  // Each source: 6 rounds of (invalid user, failed password, disconnect); the brute-force
  // rule (10 within 10m) fires for every source in the fifth round.
  constexpr int kRounds = 6;
  std::vector<std::string> ips;
  ips.reserve(kSources);
  for (int i = 0; i < kSources; ++i) {
    ips.push_back("10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
                  std::to_string(i & 255));
  }
  const std::string line =
      "Nov 21 16:31:01 web1 sshd[1001]: Failed password for invalid user admin from 10.0.0.1 port "
      "40001 ssh2";
  const EventKind kinds[] = {EventKind::kInvalidUser, EventKind::kAuthFailure,
                             EventKind::kPreauthDisconnect};
  SshdEvent e;
  e.has_ts = true;
  e.user = "admin";
  e.port = 40001;
  e.pid = 1001;
  e.line = line;
  e.message = std::string_view(line).substr(33);
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'800'000'000));

  const std::size_t heap_before = HeapInUse();
  std::size_t peak_groups = 0;
  std::size_t heap_at_peak = 0;
  std::uint64_t n = 0;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kSources; ++i) {
      // Sources interleaved, as in a distributed attack: 100,000 lines per minute.
      e.ip = ips[static_cast<std::size_t>((i * 7919) % kSources)];
      for (EventKind k : kinds) {
        e.kind = k;
        e.ts = t0 + std::chrono::microseconds(static_cast<std::int64_t>(n) * 200);
        engine.Observe(e, sink);
        ++n;
      }
    }
    if (engine.stats().groups > peak_groups) {
      peak_groups = engine.stats().groups;
      heap_at_peak = HeapInUse();
    }
  }
  const double cpu = CpuSeconds() - cpu_start;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Past the longest shipped window (sshd.auth.slow_brute_force: 24h).
  engine.Expire(t0 + std::chrono::hours(49), sink);
  const std::size_t heap_after = HeapInUse();

  std::printf(
      "rules engine: %llu events in %.3f s wall, %.3f s CPU = %.2f M events/CPU-s; %zu alerts; "
      "peak %zu groups, "
      "%.0f bytes/group (incl. the 2 MiB evidence ring); heap after expiry %+lld bytes\n",
      static_cast<unsigned long long>(n), seconds, cpu, static_cast<double>(n) / cpu / 1e6,
      sink.alerts, peak_groups,
      peak_groups
          ? static_cast<double>(heap_at_peak - heap_before) / static_cast<double>(peak_groups)
          : 0.0,
      static_cast<long long>(heap_after) - static_cast<long long>(heap_before));
  // One group per source for each per-source rule the wave feeds (brute force, slow brute
  // force, user enumeration); the cap is per rule, so none evicts another's.
  CHECK(peak_groups >= kSources);
  CHECK(engine.stats().groups == 0);
  CHECK(engine.stats().evictions == 0);
}
