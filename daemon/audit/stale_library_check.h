#pragma once
// The "stale_libraries" check: does the running sshd listener still map code that a
// package upgrade replaced on disk? stale_library.sshd per file.
#include "audit/check.h"

namespace sshd_health {

class StaleLibraryCheck final : public Check {
 public:
  explicit StaleLibraryCheck(const AuditContext& context) : context_(context) {}
  std::string_view Name() const override { return "stale_libraries"; }
  Result<std::vector<Finding>> Run(const HostView& host) override;

 private:
  const AuditContext& context_;
};

/// The running sshd listener(s): the pid in PidFile when it names a live sshd, else every
/// process running `sshd_binary` whose parent is not one. `how` says which way they were
/// found. `unreadable` is set to PidFile's pid when that process exists but its
/// /proc/PID/exe cannot be read (not root, or no CAP_SYS_PTRACE).
std::vector<int> FindSshdListeners(const HostView& host, const AuditContext& ctx, std::string& how,
                                   std::optional<int>& unreadable);

/// One file-backed line of /proc/PID/maps.
struct MapsEntry {
  std::string range;  // "7f00-7f10" (the /proc/PID/map_files name)
  unsigned major = 0, minor = 0;
  std::uint64_t inode = 0;
  std::string path;  // without " (deleted)"
  bool deleted = false;
};

/// File-backed entries (path starts with '/'), one per distinct path; pseudo files
/// (memfd:, /dev/, [vdso], SYSV shm) are skipped.
std::vector<MapsEntry> ParseProcMaps(std::string_view maps);

/// One line of /proc/PID/mountinfo (proc(5)): a mount's device, where it is mounted (as
/// the process sees it, octal escapes decoded) and its file system type.
struct MountEntry {
  unsigned major = 0, minor = 0;
  std::string mount_point;
  std::string fstype;
};

/// The mounts of a mountinfo text, in its order; malformed lines are skipped.
std::vector<MountEntry> ParseMountInfo(std::string_view mountinfo);

/// The mount that holds `path`: the last entry whose mount point is `path` or one of its
/// directories (later mounts hide earlier ones on the same point). nullptr when none.
const MountEntry* MountOf(const std::vector<MountEntry>& mounts, std::string_view path);

/// True for the libraries whose old copy makes a running sshd critical.
bool IsCriticalLibrary(std::string_view path);

}  // namespace sshd_health
