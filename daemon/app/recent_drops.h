#pragma once
// How the audits learn what sshd logged lately: MaxStartups drops ("drop connection #N ...
// past MaxStartups", for config.maxstartups) and LoginGraceTime expiries ("Timeout before
// authentication", the regreSSHion pattern, for the vulnerabilities check). Audits do not
// read logs; the app tells them:
// - `check` runs once: CountRecentLogEvents reads the recent end of the logs the config
//   wants read (SourcesWanted) through the sources' readers (ScanJournal,
//   LineReader::OpenTail) and the parser the daemon uses;
// - the daemon counts what its pipeline sees (one RecentEventWindow per kind), seeded at
//   start with the count from the logs so the first hour after a start is not blind.
#include <deque>
#include <mutex>
#include <optional>

#include "audit/check.h"
#include "core/clock.h"
#include "core/config.h"

namespace sshd_health {

/// Drops and grace timeouts logged within `window` before `now`; each nullopt when no log
/// source could be read. Reads at most the last 4 MiB of each file and 200000 journal
/// entries, in one pass.
RecentLogCounts CountRecentLogEvents(const Config& config, TimePoint now,
                                     Duration window = std::chrono::hours(1));

/// The daemon's live count of one kind of event: Record on the event loop, Count on the
/// audit thread.
class RecentEventWindow {
 public:
  explicit RecentEventWindow(Duration window = std::chrono::hours(1)) : window_(window) {}

  /// A count found before the daemon saw any line itself (from the logs at start); it
  /// stands for events up to `at` and ages out one window after it.
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
