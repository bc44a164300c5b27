#pragma once
// Spool: one notifier's undelivered alerts as JSON lines in a file
// (state_dir/spool/<notifier>.jsonl), so they survive a crash or restart. Every change
// is fsync'd before the call returns. Not thread-safe: one delivery thread owns it.
#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/result.h"

namespace sshd_health {

class Spool {
 public:
  /// `path` empty: a spool that keeps nothing on disk (test-notify, tests).
  explicit Spool(std::string path);

  /// The spooled alerts, oldest first. A corrupt line (a torn write, a foreign file) is
  /// skipped and counted in `*corrupt`, never fatal; the corrupt lines are kept in
  /// PATH.corrupt-YYYYMMDDTHHMMSSZ, named in `*set_aside` (empty when none, or with why
  /// it could not be written). A missing file is an empty spool.
  std::vector<Alert> Load(std::size_t* corrupt, std::string* set_aside = nullptr) const;
  /// Appends alerts and fsyncs.
  Result<bool> Append(const std::vector<Alert>& alerts);
  /// Replaces the whole spool with `alerts` (write temp, fsync, rename).
  Result<bool> Rewrite(const std::deque<Alert>& alerts);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A file name for a notifier's spool: its name with anything but [A-Za-z0-9_.-] as '_'.
std::string SpoolFileName(const std::string& notifier_name);

}  // namespace sshd_health
