#pragma once
// Which sshd is installed and which one runs, as the vulnerabilities check needs it: the
// distribution release (/etc/os-release), the package that owns the sshd binary and its
// exact version (dpkg-query or rpm), the package changelog, the upstream OpenSSH version,
// and whether the running listener still is the binary on disk (an upgrade that was not
// followed by a restart leaves the old code running). Everything through HostView.
#include <optional>
#include <string>

#include "audit/check.h"

namespace sshd_health {

struct SshdInstallation {
  std::string release;       // "debian-12", "ubuntu-22.04", "rhel-9"; empty when unknown
  std::string release_name;  // PRETTY_NAME, for messages

  enum class Manager { kNone, kDpkg, kRpm } manager = Manager::kNone;
  std::string package;          // "openssh-server"; empty: no package owns the binary
  std::string package_version;  // "1:9.2p1-2+deb12u10" (dpkg) or "0:8.7p1-38.el9_4.1" (rpm)
  std::string package_error;    // why package/version are empty (the unknown reason)
  bool self_built = false;      // a package manager answered: no package owns the binary

  std::string upstream;         // "9.2p1" (of the binary on disk); empty when unknown
  std::string upstream_source;  // "package version", "sshd binary", "sshd -V", "ssh -V"

  std::optional<std::string> changelog;  // text; nullopt when it could not be read
  std::string changelog_source;          // path or command
  std::string changelog_error;

  int pid = 0;                          // the running listener; 0 when none was found
  std::string listener_how;             // how it was found, or why not
  bool running_stale = false;           // the running binary is not the file now on disk
  std::string stale_why;                // "(deleted)" or the inodes
  std::string running_banner;           // "OpenSSH_9.2p1 Debian-2+deb12u3" found in /proc/PID/exe
  std::string running_upstream;         // "9.2p1"
  std::string running_package_version;  // rebuilt from the banner's revision, when it has one
};

SshdInstallation GatherSshdInstallation(const HostView& host, const AuditContext& context);

/// "debian-12" etc. from os-release text; rebuilds (Rocky, Alma, CentOS, Oracle) map to
/// rhel-N. Empty when the distribution is not one the data knows.
std::string ReleaseFromOsRelease(std::string_view os_release, std::string* pretty = nullptr);

/// The first "OpenSSH_X.YpZ[ Vendor-REVISION]" in a binary's bytes: the version string
/// sshd sends as its banner (with the distribution's revision appended by Debian and
/// Ubuntu). Empty when none.
std::string FindVersionBanner(std::string_view bytes);

/// gzip (one or more members) to text, at most `max_out` bytes. An error when it is not
/// gzip or is corrupt.
Result<std::string> GunzipText(std::string_view gz, std::size_t max_out);

}  // namespace sshd_health
