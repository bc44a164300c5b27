#include "audit/sshd_installation.h"

#include <re2/re2.h>
#include <zlib.h>

#include "audit/package_version.h"
#include "audit/stale_library_check.h"
#include "core/text.h"

namespace sshd_health {
namespace {

constexpr std::size_t kMaxBinary = 32 << 20;     // sshd is ~1 MiB; bounded all the same
constexpr std::size_t kMaxChangelog = 16 << 20;  // decompressed

std::string FirstLine(std::string_view s) {
  return std::string(TrimSpace(s.substr(0, s.find('\n'))));
}

std::string OsReleaseValue(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=') {
      std::string_view v = TrimSpace(line.substr(key.size() + 1));
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
        v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return "";
}

// "OpenSSH_9.2p1 Debian-2+deb12u3" -> revision "2+deb12u3"; Ubuntu's banner carries
// "Ubuntu-3ubuntu13.3". RHEL's banner has no revision.
std::string RevisionOfBanner(const std::string& banner) {
  static const re2::RE2 kRev(R"(^OpenSSH_\S+ (?:Debian|Ubuntu)-(\S+)$)");
  std::string rev;
  if (RE2::FullMatch(banner, kRev, &rev)) return rev;
  return "";
}

std::string UpstreamOfBanner(const std::string& banner) {
  static const re2::RE2 kUp(R"(^OpenSSH_(\S+?)(?: .*)?$)");
  std::string up;
  if (RE2::FullMatch(banner, kUp, &up)) return up;
  return "";
}

void ReadPackage(const HostView& host, const AuditContext& ctx, SshdInstallation& out) {
  const auto timeout = ctx.settings.command_timeout;
  const std::string& binary = ctx.settings.sshd_binary;
  if (host.FindProgram("dpkg-query")) {
    out.manager = SshdInstallation::Manager::kDpkg;
    auto owner = host.RunCommand({"dpkg-query", "-S", binary}, timeout);
    if (!owner) {
      out.package_error = "dpkg-query -S " + binary + ": " + owner.error().message;
      return;
    }
    // "openssh-server: /usr/sbin/sshd" (diversions add "diversion by ..." lines first).
    static const re2::RE2 kOwner(R"((?m)^([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9]+)?: (\S+)$)");
    std::string name, path;
    re2::StringPiece in(owner->out);
    while (RE2::FindAndConsume(&in, kOwner, &name, &path)) {
      if (path == binary) break;
      name.clear();
    }
    if (owner->exit_code != 0 || name.empty()) {
      out.self_built = owner->exit_code == 1;
      out.package_error = "no package owns " + binary + " (dpkg-query -S: " +
                          EscapeForOutput(FirstLine(owner->err + owner->out), 200) + ")";
      return;
    }
    out.package = name;
    auto version = host.RunCommand({"dpkg-query", "-W", "-f=${Version}", out.package}, timeout);
    if (!version || version->exit_code != 0 || FirstLine(version->out).empty()) {
      out.package_error = "dpkg-query -W " + out.package + " gave no version" +
                          (version ? " (" + EscapeForOutput(FirstLine(version->err), 200) + ")"
                                   : ": " + version.error().message);
      return;
    }
    out.package_version = FirstLine(version->out);
    out.changelog_source = "/usr/share/doc/" + out.package + "/changelog.Debian.gz";
    auto gz = host.ReadFile(out.changelog_source, kMaxChangelog);
    if (!gz) {
      out.changelog_error = gz.error().message;
    } else if (auto text = GunzipText(*gz, kMaxChangelog)) {
      out.changelog = std::move(*text);
    } else {
      out.changelog_error = out.changelog_source + ": " + text.error().message;
    }
    return;
  }
  if (host.FindProgram("rpm")) {
    out.manager = SshdInstallation::Manager::kRpm;
    auto owner = host.RunCommand({"rpm", "-qf", "--queryformat", "%{NAME}\\n", binary}, timeout);
    if (!owner) {
      out.package_error = "rpm -qf " + binary + ": " + owner.error().message;
      return;
    }
    const std::string name = FirstLine(owner->out);
    if (owner->exit_code != 0 || name.empty() || name.find(' ') != std::string::npos) {
      out.self_built = owner->exit_code == 1;
      out.package_error = "no package owns " + binary +
                          " (rpm -qf: " + EscapeForOutput(FirstLine(owner->out + owner->err), 200) +
                          ")";
      return;
    }
    out.package = name;
    auto version = host.RunCommand(
        {"rpm", "-q", "--queryformat", "%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n", out.package},
        timeout);
    if (!version || version->exit_code != 0 || FirstLine(version->out).empty()) {
      out.package_error = "rpm -q " + out.package + " gave no version";
      return;
    }
    out.package_version = FirstLine(version->out);
    out.changelog_source = "rpm -q --changelog " + out.package;
    auto log = host.RunCommand({"rpm", "-q", "--changelog", out.package}, timeout);
    if (log && log->exit_code == 0 && !log->out.empty()) {
      out.changelog = std::move(log->out);
    } else {
      out.changelog_error = out.changelog_source + " failed";
    }
    return;
  }
  out.package_error = "neither dpkg-query nor rpm is installed";
}

void ReadUpstream(const HostView& host, const AuditContext& ctx, SshdInstallation& out) {
  if (!out.package_version.empty()) {
    out.upstream = UpstreamOfPackageVersion(out.package_version);
    out.upstream_source = "package version";
    return;
  }
  if (auto bytes = host.ReadFile(ctx.settings.sshd_binary, kMaxBinary)) {
    const std::string banner = FindVersionBanner(*bytes);
    if (!banner.empty()) {
      out.upstream = UpstreamOfBanner(banner);
      out.upstream_source = "version string in " + ctx.settings.sshd_binary;
      return;
    }
  }
  // `sshd -V` prints "OpenSSH_9.2, ..." on Debian 12 (no portable suffix): only good
  // when it has one; `ssh -V` (the client, usually the same build) as the last resort.
  static const re2::RE2 kVersion(R"(OpenSSH_(\d+\.\d+(?:p\d+)?))");
  for (const auto& argv :
       std::vector<std::vector<std::string>>{{ctx.settings.sshd_binary, "-V"}, {"ssh", "-V"}}) {
    auto v = host.RunCommand(argv, ctx.settings.command_timeout);
    std::string version;
    if (v && RE2::PartialMatch(v->err + v->out, kVersion, &version)) {
      out.upstream = version;
      out.upstream_source = argv[0] + " -V";
      if (version.find('p') != std::string::npos) return;
    }
  }
}

void ReadRunning(const HostView& host, const AuditContext& ctx, SshdInstallation& out) {
  std::optional<int> unreadable;
  const auto pids = FindSshdListeners(host, ctx, out.listener_how, unreadable);
  if (pids.empty()) {
    if (unreadable)
      out.listener_how = "PidFile names pid " + std::to_string(*unreadable) +
                         " but its /proc entries cannot be read";
    return;
  }
  out.pid = pids.front();
  const std::string exe = "/proc/" + std::to_string(out.pid) + "/exe";
  if (auto link = host.ReadLink(exe); link) {
    const std::string_view l = *link;
    constexpr std::string_view kDeleted = " (deleted)";
    if (l.size() > kDeleted.size() && l.substr(l.size() - kDeleted.size()) == kDeleted) {
      out.running_stale = true;
      out.stale_why = "its binary was deleted on disk (" + EscapeForOutput(l, 200) + ")";
    }
  }
  if (!out.running_stale) {
    auto running = host.Stat(exe);
    auto disk = host.Stat(ctx.settings.sshd_binary);
    if (running && disk && (running->dev != disk->dev || running->ino != disk->ino)) {
      out.running_stale = true;
      out.stale_why = "it runs inode " + std::to_string(running->ino) + ", " +
                      ctx.settings.sshd_binary + " is now inode " + std::to_string(disk->ino);
    }
  }
  if (auto bytes = host.ReadFile(exe, kMaxBinary)) {
    out.running_banner = FindVersionBanner(*bytes);
    out.running_upstream = UpstreamOfBanner(out.running_banner);
    const std::string rev = RevisionOfBanner(out.running_banner);
    if (!rev.empty() && !out.running_upstream.empty()) {
      std::string epoch;
      if (const auto colon = out.package_version.find(':'); colon != std::string::npos)
        epoch = out.package_version.substr(0, colon + 1);
      out.running_package_version = epoch + out.running_upstream + "-" + rev;
    }
  }
}

}  // namespace

std::string ReleaseFromOsRelease(std::string_view os_release, std::string* pretty) {
  if (pretty) *pretty = OsReleaseValue(os_release, "PRETTY_NAME");
  const std::string id = OsReleaseValue(os_release, "ID");
  const std::string like = " " + OsReleaseValue(os_release, "ID_LIKE") + " ";
  const std::string version = OsReleaseValue(os_release, "VERSION_ID");
  if (version.empty()) return "";
  const std::string major = version.substr(0, version.find('.'));
  if (id == "debian") return "debian-" + major;
  if (id == "ubuntu") return "ubuntu-" + version;
  if (id == "rhel" || id == "rocky" || id == "almalinux" || id == "centos" || id == "ol" ||
      like.find(" rhel ") != std::string::npos) {
    return "rhel-" + major;
  }
  return "";
}

std::string FindVersionBanner(std::string_view bytes) {
  // The banner is a NUL-terminated string; the portable suffix (pN) tells it from the
  // compatibility patterns ("OpenSSH_2.*,OpenSSH_3.0*") sshd also contains.
  static const re2::RE2 kBanner(R"((OpenSSH_\d+\.\d+p\d+(?: [A-Za-z]+-[A-Za-z0-9.+~:]+)?))");
  std::string banner;
  if (RE2::PartialMatch(re2::StringPiece(bytes.data(), bytes.size()), kBanner, &banner))
    return banner;
  return "";
}

Result<std::string> GunzipText(std::string_view gz, std::size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Fail("zlib inflateInit2 failed");
  std::string out;
  char buf[16384];
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string error;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() >= max_out) break;  // bounded: the newest entries come first
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      error = "truncated gzip";
      break;
    }
    if (rc != Z_OK) {
      error = std::string("not valid gzip (") + (zs.msg ? zs.msg : "zlib error") + ")";
      break;
    }
  }
  inflateEnd(&zs);
  if (!error.empty()) return Fail(error);
  if (out.size() > max_out) out.resize(max_out);
  return out;
}

SshdInstallation GatherSshdInstallation(const HostView& host, const AuditContext& context) {
  SshdInstallation out;
  if (auto os = host.ReadFile("/etc/os-release", 64 << 10)) {
    out.release = ReleaseFromOsRelease(*os, &out.release_name);
  } else if (auto os2 = host.ReadFile("/usr/lib/os-release", 64 << 10)) {
    out.release = ReleaseFromOsRelease(*os2, &out.release_name);
  }
  ReadPackage(host, context, out);
  ReadUpstream(host, context, out);
  ReadRunning(host, context, out);
  return out;
}

}  // namespace sshd_health
