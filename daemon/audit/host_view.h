#pragma once
// HostView: everything the auditors learn about the machine goes through this interface
// (LevelDB's Env for us). The daemon and `check` use RealHost; unit tests use FakeHost
// (tests/fakes/fake_host.h); integration tests use RealHost over temporary directories.
// Abstract so that a check's logic can be tested without root, sshd or a system bus.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

/// What stat(2) says about a path (follows symlinks).
struct FileInfo {
  std::uint32_t mode = 0;  // st_mode (type and permission bits)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t dev = 0;  // st_dev
  std::uint64_t ino = 0;
  bool IsDir() const;
  bool IsRegular() const;
  std::uint32_t Permissions() const { return mode & 07777; }
};

struct CommandResult {
  int exit_code = -1;  // 128+signal when killed; -1 when it timed out (then killed)
  bool timed_out = false;
  std::string out;  // stdout, bounded
  std::string err;  // stderr, bounded
};

/// Outcome of reading the SSH identification line (RFC 4253 4.2) from a server: what
/// happened on the wire. kOk: a line starting "SSH-" arrived (whether its version and
/// length are acceptable is the liveness check's call); kBadBanner: no such line.
struct BannerProbe {
  enum class Outcome { kOk, kRefused, kTimeout, kClosed, kBadBanner, kError };
  Outcome outcome = Outcome::kError;
  std::string banner;  // the line read (raw, may be hostile: escape before printing)
  std::string error;   // errno text or why the banner is bad
  std::chrono::milliseconds latency{0};  // connect to banner (kOk)
};

/// A systemd unit as sd-bus reports it.
struct UnitState {
  std::string name;          // "ssh.service"
  std::string load_state;    // "loaded", "not-found"
  std::string active_state;  // "active", "failed", "activating", ...
  std::string sub_state;     // "running", "auto-restart", ...
  std::uint32_t n_restarts = 0;
};

/// Thread-compatible: one audit run uses one HostView from one thread. Errors are values;
/// nothing throws.
class HostView {
 public:
  virtual ~HostView() = default;

  /// stat(2); an error (message names the path and errno) when it does not exist or
  /// cannot be reached. `missing` is set to true when the error is ENOENT/ENOTDIR.
  virtual Result<FileInfo> Stat(const std::string& path, bool* missing = nullptr) const = 0;
  /// At most `max_bytes` from the start of the file.
  virtual Result<std::string> ReadFile(const std::string& path,
                                       std::size_t max_bytes = 4 << 20) const = 0;
  /// Entry names (no "." or ".."), unsorted.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) const = 0;
  /// readlink(2).
  virtual Result<std::string> ReadLink(const std::string& path) const = 0;
  /// Paths matching a glob(3) pattern, sorted; none is not an error.
  virtual std::vector<std::string> Glob(const std::string& pattern) const = 0;
  /// The text of /proc/PID/maps.
  virtual Result<std::string> ReadProcMaps(int pid) const = 0;
  /// Runs argv[0] (searched in PATH when it has no '/') without a shell; kills it after
  /// `timeout`. An error only when it could not be started.
  virtual Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout) const = 0;
  /// Connects to address:port and reads the identification line, all within `timeout`.
  virtual BannerProbe ProbeBanner(const std::string& address, int port,
                                  std::chrono::milliseconds timeout) const = 0;
  /// The unit's state over the system bus; an error when there is no bus.
  virtual Result<UnitState> GetUnitState(const std::string& unit) const = 0;
  /// The group's name, or nullopt.
  virtual std::optional<std::string> GroupName(std::uint32_t gid) const = 0;
  /// Full path of an executable found in PATH, or nullopt.
  virtual std::optional<std::string> FindProgram(const std::string& name) const = 0;
  /// Writes a file atomically (temporary + rename), creating its directory.
  virtual Result<bool> WriteFileAtomic(const std::string& path, const std::string& text) const = 0;
  /// The wall clock (for state that ages, like a recorded host key change).
  virtual TimePoint Now() const = 0;
};

}  // namespace sshd_health
