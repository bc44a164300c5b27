#pragma once
// ToldMemory: what one notifier's receiver has been told, per alert id: the last status
// accepted into its spool and that alert's last_seen. It is what lets the daemon re-read
// the logs of the last rule windows at start (the replay, README "Detection and delivery
// guarantees") without telling receivers again what they already know: the replayed
// events rebuild the same alerts with the same last_seen, and those are suppressed.
//
// On disk: state_dir/spool/<notifier>.told.jsonl, a versioned header line
// {"sshd_health_told":1} then one record a line {"id":..,"s":"f"|"r","t":<usec>}, the
// last one for an id winning. Records are appended (fsync'd) right after the alerts
// reached the spool, so a crash can leave an alert spooled but not remembered (sent again
// after the replay: at-least-once), never remembered but not spooled. The file is
// rewritten atomically, live entries only, when it holds twice as many lines as entries;
// at most max_entries ids are kept (the oldest last_seen forgotten first).
// A torn last line is skipped and counted; a file whose header is not ours is set aside
// (renamed to <path>.bad) and reported, never fatal.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

struct Told {
  AlertStatus status = AlertStatus::kFiring;
  TimePoint last_seen{};
};

using ToldMap = std::unordered_map<std::string, Told>;

/// Whether the receiver already has `alert`, by `told`: a firing or resolved alert whose
/// last_seen is not newer than the last one told for its id, in a status the receiver
/// had then (a resolved alert after a told firing is news; a firing alert after a told
/// resolution is news only when newer). Without an entry: news, unless the alert is
/// about events before `assume_told_before` (set when there was no memory to go by, so
/// a first start under this version does not repeat what an older one sent). Pure.
bool AlreadyTold(const ToldMap& told, const Alert& alert, TimePoint assume_told_before);

/// Records `alert` in `told`, bounded to `max_entries` ids (the oldest last_seen go).
void RememberTold(ToldMap& told, const Alert& alert, std::size_t max_entries);

/// The file. Not thread-safe: the notifier's delivery thread owns it after Load.
class ToldLog {
 public:
  /// `path` empty: remembers nothing on disk.
  explicit ToldLog(std::string path, std::size_t max_entries = 100'000);

  struct Loaded {
    ToldMap told;
    bool usable = false;      // a file of ours was there (possibly empty)
    std::size_t corrupt = 0;  // lines skipped
    std::string set_aside;    // where an unusable file was moved, or ""
  };
  /// Reads the file (creating it, with its header, when missing).
  Loaded Load();
  /// Appends one record per alert and fsyncs; compacts when due.
  Result<void> Append(const std::vector<Alert>& alerts);

  const std::string& path() const { return path_; }

 private:
  Result<void> Compact();

  std::string path_;
  std::size_t max_entries_;
  ToldMap entries_;  // mirror of the file's live records
  std::size_t lines_ = 0;
};

}  // namespace sshd_health
