#include "app/status_file.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audit/host_files.h"  // ReadFileBounded, ReadSymlink
#include "core/atomic_file.h"
#include "core/text.h"

namespace sshd_health {
namespace {

// A status file is a few KiB; its firing list is bounded (FiringAlerts::kMaxFiring).
constexpr std::size_t kMaxStatusFile = 16 << 20;
constexpr std::string_view kBinaryName = "sshd-health";

std::string SecondsText(Duration d) {
  return fmt::format("{}s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

// Whether `pid` runs the sshd-health binary: /proc/PID/exe (" (deleted)" after an
// upgrade replaced the file), else argv[0] when exe cannot be read (not root).
bool RunsOurBinary(pid_t pid, const std::string& proc, std::string& what) {
  const std::string base = fmt::format("{}/{}", proc, pid);
  std::string exe;
  if (auto link = ReadSymlink(base + "/exe")) {
    exe = *link;
    constexpr std::string_view kDeleted = " (deleted)";
    if (exe.ends_with(kDeleted)) exe.resize(exe.size() - kDeleted.size());
  } else if (auto cmdline = ReadFileBounded(base + "/cmdline", 4096)) {
    exe = cmdline->substr(0, cmdline->find('\0'));
  }
  what = exe;
  return std::filesystem::path(exe).filename() == kBinaryName;
}

}  // namespace

std::string StatusFilePath(const Config& config) {
  if (config.source != "built-in default" || ::geteuid() == 0) return config.status_file;
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || *runtime != '/') return config.status_file;
  return std::string(runtime) + "/sshd-health/status.json";
}

std::optional<std::uint64_t> ProcessStartTicks(pid_t pid, const std::string& proc) {
  const auto stat = ReadFileBounded(fmt::format("{}/{}/stat", proc, pid), 4096);
  if (!stat) return std::nullopt;
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so fields are
  // counted after the last ')'. STATE is field 3, starttime field 22.
  const auto paren = stat->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream in(stat->substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(in >> field)) return std::nullopt;
    // A zombie (Z) or dying (X) process has exited: only its exit status is left for its
    // parent to collect (a daemon killed with SIGKILL whose parent has not waited yet).
    if (i == 3 && (field == "Z" || field == "X")) return std::nullopt;
  }
  try {
    return std::stoull(field);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<void> WriteStatusFile(const std::string& path, const StatusSnapshot& snapshot) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
      return Fail(fmt::format("cannot create {}: {}", dir.string(), std::strerror(errno)));
  }
  const std::string text =
      StatusToJson(snapshot).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  // On tmpfs (/run) an fsync buys nothing, and the file is rewritten every heartbeat.
  return WriteFileAtomically(path, text, 0600, Durability::kAtomicOnly);
}

StatusReading ReadStatusFile(const std::string& path, TimePoint now, const std::string& proc) {
  StatusReading r;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    r.reason = fmt::format(
        "no status file at {}: the daemon is not running (or it runs with another "
        "status_file; pass its config with -c)",
        path);
    return r;
  }
  const auto text = ReadFileBounded(path, kMaxStatusFile);
  if (!text) {
    r.reason = ::access(path.c_str(), R_OK) != 0 && errno == EACCES
                   ? fmt::format("cannot read {} (the status file is root-only: run as root)", path)
                   : text.error().message;
    return r;
  }
  const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto snapshot = StatusFromJson(json);
  if (!snapshot) {
    r.reason = fmt::format("{} is not a status file this version reads: {}", path,
                           EscapeForOutput(snapshot.error().message, 256));
    return r;
  }
  r.snapshot = std::move(*snapshot);
  const StatusDaemon& d = r.snapshot->daemon;
  r.age = std::chrono::duration_cast<Duration>(now - d.written);
  const auto ticks = ProcessStartTicks(d.pid, proc);
  std::string exe;
  if (!ticks) {
    r.reason = fmt::format(
        "the daemon that wrote {} (pid {}) is gone; it stopped without removing the file "
        "(killed or crashed), {} after its last update",
        path, d.pid, SecondsText(r.age));
  } else if (*ticks != d.pid_start_ticks) {
    r.reason = fmt::format(
        "the daemon that wrote {} (pid {}) is gone: that pid is another process now; the "
        "file is {} old",
        path, d.pid, SecondsText(r.age));
  } else if (!RunsOurBinary(d.pid, proc, exe)) {
    r.reason =
        fmt::format("pid {} named in {} runs {}, not {}", d.pid, path,
                    EscapeForOutput(exe.empty() ? "something unreadable" : exe, 256), kBinaryName);
  } else if (r.age > d.heartbeat * kStaleHeartbeats) {
    r.reason = fmt::format(
        "{} is stale: written {} ago, while the daemon (pid {}) rewrites it every {}; its "
        "event loop is not running (stopped or hung)",
        path, SecondsText(r.age), d.pid, SecondsText(d.heartbeat));
  } else {
    r.running = true;
  }
  return r;
}

}  // namespace sshd_health
