#pragma once
// The status file: how the running daemon tells `sshd-health status` what it sees, with no
// socket to serve. The daemon rewrites it atomically (core/atomic_file.h; mode 0600, in
// the unit's RuntimeDirectory) when something changed, at most once a second, and at
// least every heartbeat; it removes it when it stops. A reader trusts it only while the
// process it names still runs - the same pid with the same start time, running the
// sshd-health binary - and the file is fresh: a daemon killed with SIGKILL leaves a file
// behind, and its pid may be reused.
#include <sys/types.h>

#include <optional>
#include <string>

#include "app/status_snapshot.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"

namespace sshd_health {

/// The status file of `config`: its status_file; but a user's own daemon on the built-in
/// default (`make run`, not root: /run/sshd-health is root's) keeps it in
/// $XDG_RUNTIME_DIR/sshd-health/status.json, where the same user's `status` looks too.
std::string StatusFilePath(const Config& config);

/// A file older than this many heartbeats is stale: the daemon's loop no longer runs.
inline constexpr int kStaleHeartbeats = 4;

/// Clock ticks since boot when `pid` started (/proc/PID/stat field 22); nullopt when
/// there is no such process, it has exited (a zombie), or its stat cannot be read.
/// `proc`: where /proc is (tests).
std::optional<std::uint64_t> ProcessStartTicks(pid_t pid, const std::string& proc = "/proc");

/// Writes `snapshot` to `path` (creating its directory, mode 0700, when missing): a
/// reader sees the old file or the new one, never a mix. The error names the path.
Result<void> WriteStatusFile(const std::string& path, const StatusSnapshot& snapshot);

struct StatusReading {
  bool running = false;
  /// When not running: why, in one sentence for the admin ("no status file at ...",
  /// "pid 123 is gone ...", "the status file is stale ...").
  std::string reason;
  /// The file's content when it could be read (also when stale or its daemon is gone).
  std::optional<StatusSnapshot> snapshot;
  /// How old the file's content is (now - written).
  Duration age{};
};

/// Reads `path` and decides whether its daemon runs. `proc` is where /proc is (tests).
StatusReading ReadStatusFile(const std::string& path, TimePoint now,
                             const std::string& proc = "/proc");

}  // namespace sshd_health
