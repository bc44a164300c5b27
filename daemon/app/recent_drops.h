#pragma once
// How config.maxstartups learns that connections were dropped ("drop connection #N ...
// past MaxStartups"). Audits do not read logs; the app tells them:
// - `check` runs once: CountRecentMaxStartupsDrops reads the recent end of the logs the
//   config wants read (SourcesWanted) through the sources' readers (ScanJournal,
//   LineReader::OpenTail) and the parser the daemon uses;
// - the daemon counts the drops its pipeline sees (DropWindow), seeded at start with the
//   count from the logs so the first hour after a start is not blind.
#include <deque>
#include <mutex>
#include <optional>

#include "core/clock.h"
#include "core/config.h"

namespace sshd_health {

/// Drops logged within `window` before `now`; nullopt when no log source could be read.
/// Reads at most the last 4 MiB of each file and 200000 journal entries.
std::optional<long> CountRecentMaxStartupsDrops(const Config& config, TimePoint now,
                                                Duration window = std::chrono::hours(1));

/// The daemon's live count: Record on the event loop, Count on the audit thread.
class DropWindow {
 public:
  explicit DropWindow(Duration window = std::chrono::hours(1)) : window_(window) {}

  /// A count found before the daemon saw any line itself (from the logs at start); it
  /// stands for drops up to `at` and ages out one window after it.
  void Seed(long count, TimePoint at);
  void Record(TimePoint ts);
  long Count(TimePoint now);

 private:
  void Trim(TimePoint now);  // under mutex_

  static constexpr std::size_t kMaxKept = 100000;  // beyond this the oldest go first
  const Duration window_;
  std::mutex mutex_;
  std::deque<TimePoint> times_;
  long seed_ = 0;
  TimePoint seed_at_{};
};

}  // namespace sshd_health
