#include "audit/stale_library_check.h"

#include <sys/sysmacros.h>

#include <charconv>
#include <optional>
#include <set>

#include "core/text.h"

namespace sshd_health {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string StripDeleted(std::string s) {
  if (EndsWith(s, kDeleted)) s.resize(s.size() - kDeleted.size());
  return s;
}

std::optional<int> ParsePid(std::string_view text) {
  text = TrimSpace(text.substr(0, text.find('\n')));
  int pid = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || p != text.data() + text.size() || pid <= 0) return std::nullopt;
  return pid;
}

std::string ProcPath(int pid, const std::string& rest) {
  return "/proc/" + std::to_string(pid) + rest;
}

// Parent pid: field 4 of /proc/PID/stat, after the ")" that ends the command name.
std::optional<int> ParentPid(const HostView& host, int pid) {
  auto stat = host.ReadFile(ProcPath(pid, "/stat"), 4096);
  if (!stat) return std::nullopt;
  const auto close = stat->rfind(')');
  if (close == std::string::npos || close + 4 > stat->size()) return std::nullopt;
  std::string_view rest = std::string_view(*stat).substr(close + 4);  // ") S " then ppid
  return ParsePid(rest.substr(0, rest.find(' ')));
}

bool IsSshdExe(const std::string& exe, const std::string& sshd_binary) {
  return StripDeleted(exe) == sshd_binary;
}

}  // namespace

// The listener: from PidFile when it names a live sshd, else every sshd process whose
// parent is not an sshd (the per-connection children are).
// `unreadable` is set to the PidFile's pid when that process exists but its /proc/PID/exe
// cannot be read (no CAP_SYS_PTRACE, or not root): then nothing can be said about it.
std::vector<int> FindSshdListeners(const HostView& host, const AuditContext& ctx, std::string& how,
                                   std::optional<int>& unreadable) {
  const std::string& binary = ctx.settings.sshd_binary;
  const std::string pidfile = ctx.sshd.config.Get("pidfile", "/run/sshd.pid");
  if (pidfile != "none") {
    if (auto text = host.ReadFile(pidfile, 64)) {
      if (auto pid = ParsePid(*text)) {
        auto exe = host.ReadLink(ProcPath(*pid, "/exe"));
        // A stale PidFile may name a recycled pid; only trust it when it is an sshd.
        if (exe && (IsSshdExe(*exe, binary) ||
                    std::string_view(StripDeleted(*exe)).find("sshd") != std::string_view::npos)) {
          how = "pid " + std::to_string(*pid) + " from PidFile " + pidfile;
          return {*pid};
        }
        if (!exe && host.Stat(ProcPath(*pid, "")).has_value()) unreadable = *pid;
      }
    }
  }
  // A container's sshd (nspawn, LXC) shows up in our /proc too, with the same exe path
  // but another root: it is not this host's sshd, and its binary, on another file
  // system, would look replaced. Only when both roots can be read is one left out.
  const auto our_root = host.Stat("/");
  std::vector<int> sshd_pids;
  if (auto entries = host.ListDir("/proc")) {
    for (const auto& name : *entries) {
      const auto pid = ParsePid(name);
      if (!pid) continue;
      auto exe = host.ReadLink(ProcPath(*pid, "/exe"));
      if (!exe || !IsSshdExe(*exe, binary)) continue;
      const auto root = host.Stat(ProcPath(*pid, "/root"));
      if (our_root && root && (root->dev != our_root->dev || root->ino != our_root->ino)) continue;
      sshd_pids.push_back(*pid);
    }
  }
  std::set<int> all(sshd_pids.begin(), sshd_pids.end());
  std::vector<int> listeners;
  for (int pid : sshd_pids) {
    const auto parent = ParentPid(host, pid);
    if (!parent || !all.count(*parent)) listeners.push_back(pid);
  }
  how = "process scan for " + binary;
  return listeners;
}

std::vector<MapsEntry> ParseProcMaps(std::string_view maps) {
  std::vector<MapsEntry> out;
  std::set<std::string> seen;
  while (!maps.empty()) {
    const auto nl = maps.find('\n');
    std::string_view line = maps.substr(0, nl);
    maps = nl == std::string_view::npos ? std::string_view{} : maps.substr(nl + 1);
    // "start-end perms offset major:minor inode   pathname" (proc(5)).
    std::string_view fields[5];
    std::size_t pos = 0;
    bool ok = true;
    for (auto& field : fields) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      const auto end = line.find(' ', pos);
      if (end == std::string_view::npos) {
        ok = false;
        break;
      }
      field = line.substr(pos, end - pos);
      pos = end;
    }
    if (!ok) continue;
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::string path(line.substr(pos));
    if (path.empty() || path[0] != '/' || path.rfind("/dev/", 0) == 0 ||
        path.rfind("/memfd:", 0) == 0 || path.rfind("/SYSV", 0) == 0) {
      continue;
    }
    MapsEntry e;
    e.range = std::string(fields[0]);
    const auto colon = fields[3].find(':');
    if (colon == std::string_view::npos) continue;
    std::from_chars(fields[3].data(), fields[3].data() + colon, e.major, 16);
    std::from_chars(fields[3].data() + colon + 1, fields[3].data() + fields[3].size(), e.minor, 16);
    std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), e.inode);
    if (e.inode == 0) continue;
    e.deleted = EndsWith(path, kDeleted);
    e.path = StripDeleted(path);
    if (!seen.insert(e.path).second) continue;
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string DecodeOctalEscapes(std::string_view s) {
  const auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::vector<MountEntry> ParseMountInfo(std::string_view mountinfo) {
  std::vector<MountEntry> out;
  while (!mountinfo.empty()) {
    const auto nl = mountinfo.find('\n');
    const std::string_view line = mountinfo.substr(0, nl);
    mountinfo = nl == std::string_view::npos ? std::string_view{} : mountinfo.substr(nl + 1);
    // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
    // id, parent, major:minor, root, mount point, options, optional fields, "-", type.
    const auto words = SplitWords(line, " ");
    if (words.size() < 8) continue;
    MountEntry m;
    const std::string& dev = words[2];
    const auto colon = dev.find(':');
    if (colon == std::string::npos) continue;
    const auto [p1, e1] = std::from_chars(dev.data(), dev.data() + colon, m.major);
    const auto [p2, e2] = std::from_chars(dev.data() + colon + 1, dev.data() + dev.size(), m.minor);
    if (e1 != std::errc() || e2 != std::errc()) continue;
    std::size_t dash = 6;
    while (dash < words.size() && words[dash] != "-") ++dash;
    if (dash + 1 >= words.size()) continue;
    m.mount_point = DecodeOctalEscapes(words[4]);
    m.fstype = words[dash + 1];
    out.push_back(std::move(m));
  }
  return out;
}

const MountEntry* MountOf(const std::vector<MountEntry>& mounts, std::string_view path) {
  const MountEntry* best = nullptr;
  for (const auto& m : mounts) {
    const std::string_view point = m.mount_point;
    const bool holds = point == "/" || path == point ||
                       (path.size() > point.size() && path.substr(0, point.size()) == point &&
                        path[point.size()] == '/');
    if (holds && (!best || point.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

bool IsCriticalLibrary(std::string_view path) {
  const auto base = path.substr(path.rfind('/') + 1);
  for (std::string_view prefix : {"libc.so", "libcrypto.so", "libssl.so", "libz.so", "libpam.so",
                                  "libsystemd.so", "libgssapi", "libcrypt.so", "ld-linux"}) {
    if (base.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

Result<std::vector<Finding>> StaleLibraryCheck::Run(const HostView& host) {
  std::vector<Finding> findings;
  std::string how;
  std::optional<int> unreadable;
  const auto listeners = FindSshdListeners(host, context_, how, unreadable);
  if (listeners.empty() && unreadable) {
    return Fail("sshd's PidFile names pid " + std::to_string(*unreadable) +
                ", which is running, but its /proc entries cannot be read (this check needs "
                "root with CAP_SYS_PTRACE)");
  }
  if (listeners.empty()) {
    detail_ = "no running sshd found (" + how + "); the liveness check reports whether it is down";
    return findings;
  }
  // Each mapped file ends up with a verdict (current, deleted, replaced) or, when its
  // identity cannot be compared with the file now at that path, none. A check that
  // compared nothing has not looked: unknown, never ok.
  int mapped = 0, unverifiable = 0, by_overlay_inode = 0;
  for (const int pid : listeners) {
    auto maps = host.ReadProcMaps(pid);
    if (!maps)
      return Fail("cannot read the maps of sshd (pid " + std::to_string(pid) +
                  "): " + maps.error().message);
    std::optional<std::vector<MountEntry>> mounts;  // sshd's mountinfo, read when needed
    for (const auto& e : ParseProcMaps(*maps)) {
      ++mapped;
      std::string why;
      if (e.deleted) {
        why = "deleted on disk";
      } else {
        // Look through the process's own root so a containerised sshd is judged by its
        // own filesystem, not ours.
        auto now = host.Stat(ProcPath(pid, "/root") + e.path);
        if (!now) {
          ++unverifiable;
          continue;
        }
        if (now->dev != makedev(e.major, e.minor)) {
          // overlayfs (a container's root, a live system): maps shows the overlay's own
          // device, stat(2) a per-layer pseudo device for a file of a lower layer, and
          // both the same inode number (overlayfs keeps the real inode's number, or maps
          // both through xino alike). So when the path lies on that very overlay mount in
          // sshd's mount namespace, the inodes compare; a file replaced there is a new
          // upper-layer inode (and maps says "(deleted)" as well). Any other device
          // mismatch (a bind mount from elsewhere) is not comparable.
          if (!mounts) {
            auto text = host.ReadFile(ProcPath(pid, "/mountinfo"), 1 << 20);
            mounts = text ? ParseMountInfo(*text) : std::vector<MountEntry>{};
          }
          const MountEntry* mount = MountOf(*mounts, e.path);
          if (!mount || mount->fstype != "overlay" || mount->major != e.major ||
              mount->minor != e.minor) {
            ++unverifiable;
            continue;
          }
          ++by_overlay_inode;
        }
        if (now->ino == e.inode) continue;
        why = "replaced on disk (inode " + std::to_string(e.inode) + " mapped, " +
              std::to_string(now->ino) + " on disk)";
      }
      const bool is_binary = e.path == context_.settings.sshd_binary;
      Finding f;
      f.id = "stale_library.sshd";
      f.severity =
          is_binary || IsCriticalLibrary(e.path) ? Severity::kCritical : Severity::kWarning;
      f.subject = e.path;
      f.summary = "sshd (pid " + std::to_string(pid) + ") still runs the old " + e.path + ", " +
                  why + ": it keeps the old code (and its bugs) until restarted";
      f.remedy =
          "`systemctl restart ssh` (`sshd` on RHEL); open sessions survive a restart of the "
          "listener. `needrestart` or `checkrestart` find other services in the same state.";
      findings.push_back(std::move(f));
    }
  }
  if (mapped > 0 && unverifiable == mapped) {
    return Fail(how + ": none of the " + std::to_string(mapped) +
                " files sshd maps could be compared with the file now at its path (other "
                "filesystem view: the device in /proc/PID/maps is not the one stat(2) gives, "
                "and it is not sshd's overlay mount)");
  }
  detail_ = how + "; " + std::to_string(mapped) + " mapped files";
  if (by_overlay_inode)
    detail_ += ", " + std::to_string(by_overlay_inode) + " compared by inode on overlayfs";
  if (unverifiable)
    detail_ += ", " + std::to_string(unverifiable) + " not comparable (other filesystem view)";
  return findings;
}

}  // namespace sshd_health
