#pragma once
// StateStore: the daemon's small persistent records (journal cursor, file inode and
// offset) in state_dir, one file per key. A write replaces the whole record atomically
// (temporary file + rename), so a crash leaves either the old or the new record, never a
// torn one.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sshd_health {

/// Not thread-safe: used from the event-loop thread.
class StateStore {
 public:
  /// `dir` need not exist yet; Open creates it.
  explicit StateStore(std::string dir);

  /// Creates the directory (mode 0750) and checks that it is writable.
  Result<void> Open() const;

  /// The record stored under `key`, or nullopt when there is none or it cannot be read.
  /// REQUIRES: key is a plain file name (no '/').
  std::optional<std::string> Load(std::string_view key) const;

  /// Replaces the record under `key`. With `durable`, the data and the rename reach the
  /// disk before it returns (fsync); without, only the atomicity holds - used after every
  /// batch, with a durable save at shutdown.
  /// A failed save is reported here once (a warning naming the directory and why), not
  /// once per record: a full disk would otherwise fill the log with one warning per
  /// batch. The first save that works again says so. Callers still get the error.
  Result<void> Save(std::string_view key, std::string_view content, bool durable = false) const;

  /// Moves the record under `key` out of the way (to "KEY.corrupt-YYYYMMDDTHHMMSSZ"), with
  /// a warning naming both files and `why`: a record that cannot be read is kept for
  /// whoever wants to look at it, and the caller starts as without one. Returns the new
  /// path (empty when the rename failed; the warning says why).
  std::string SetAside(std::string_view key, std::string_view why) const;

  /// Whether the last save failed (the state directory full or unwritable).
  bool failing() const { return failing_; }

  const std::string& dir() const { return dir_; }

  /// A file-name-safe key for a log file path: "file-" + 16 hex digits of its hash +
  /// the path's last component, cleaned.
  static std::string KeyForPath(std::string_view prefix, std::string_view path);

 private:
  std::string dir_;
  mutable bool failing_ = false;  // a save failed and none has worked since
};

/// Where a user's own daemon (`make run`, not root) keeps its state when the built-in
/// /var/lib/sshd-health is not writable: $XDG_STATE_HOME/sshd-health, else
/// ~/.local/state/sshd-health, else /tmp/sshd-health-UID.
std::string UserStateDir();

/// The state directory to use, opened: `configured` when it can be opened; else, with
/// `user_fallback`, UserStateDir(). Only a built-in default may fall back: a state_dir
/// someone wrote down is meant. The error names what was tried and why it failed.
Result<std::string> OpenStateDir(const std::string& configured, bool user_fallback);

}  // namespace sshd_health
