#pragma once
// Version order as the packaging tools define it, so "is the installed package at least
// the version the distribution fixed the CVE in" is answered the way apt and dnf would:
// - CompareDebianVersions: deb-version(7) / `dpkg --compare-versions` (epoch, upstream,
//   revision; '~' sorts before everything, even the end of the string);
// - CompareRpmVersions: rpm's rpmvercmp applied to epoch, version and release (a
//   missing epoch is 0; '~' sorts before, '^' after the end of the string).
// Both return <0, 0 or >0 like strcmp. Malformed text still compares (the tools' own
// lenient reading), it never throws.
#include <string>
#include <string_view>

namespace sshd_health {

int CompareDebianVersions(std::string_view a, std::string_view b);

/// rpmvercmp on one segment (version or release alone), exactly as rpm's lib/rpmvercmp.c.
int RpmVerCmp(std::string_view a, std::string_view b);
/// "[epoch:]version[-release]": epoch numerically (missing = 0), then RpmVerCmp on version,
/// then on release (a release missing on one side is not compared, as rpm's EVR compare).
int CompareRpmVersions(std::string_view a, std::string_view b);

/// The upstream part of a package version: "1:9.2p1-2+deb12u3" -> "9.2p1",
/// "0:8.7p1-38.el9_4.1" -> "8.7p1".
std::string UpstreamOfPackageVersion(std::string_view version);

/// OpenSSH release order ("9.9p2" > "9.9p1" > "9.9", "10.0p1" > "9.9p2"): rpmvercmp's
/// segment order is right for these.
int CompareOpenSshVersions(std::string_view a, std::string_view b);

}  // namespace sshd_health
