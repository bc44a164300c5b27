#include "audit/finding_catalogue.h"

#include <array>

namespace sshd_health {
namespace {

constexpr std::array kFindings = {
    FindingInfo{"config.invalid", "config",
                "`sshd -t` rejects the configuration: a restart or reload would fail"},
    FindingInfo{
        "config.maxstartups", "config",
        "MaxStartups is at the default or lower while connections were dropped past it recently"},
    FindingInfo{"config.weak_algorithm", "config",
                "a legacy KEX, host key, cipher, MAC or public key algorithm is enabled (one per "
                "algorithm)"},
    FindingInfo{"config.risky_setting", "config",
                "a setting that weakens sshd or blinds its logs (PermitRootLogin yes, LogLevel "
                "QUIET, ...)"},
    FindingInfo{"host_key.missing", "host_keys",
                "a HostKey named by the configuration does not exist"},
    FindingInfo{"host_key.mode", "host_keys",
                "a private host key is readable or writable by others, or a public key is not "
                "world-readable"},
    FindingInfo{"host_key.owner", "host_keys", "a host key file is not owned by root"},
    FindingInfo{"host_key.mismatch", "host_keys",
                "a public host key file does not belong to its private key"},
    FindingInfo{
        "host_key.changed", "host_keys",
        "a host key's fingerprint differs from the one recorded earlier: clients will warn"},
    FindingInfo{"stale_library.sshd", "stale_libraries",
                "the running sshd still maps a library (or binary) that was replaced on disk"},
    FindingInfo{"liveness.refused", "liveness",
                "nothing accepts connections on sshd's address and port"},
    FindingInfo{"liveness.timeout", "liveness",
                "connect or banner did not complete within the probe timeout"},
    FindingInfo{
        "liveness.no_banner", "liveness",
        "sshd accepted and closed the connection before its banner (kex_exchange_identification)"},
    FindingInfo{"liveness.bad_banner", "liveness",
                "the first line is not an SSH-2.0 identification"},
    FindingInfo{"liveness.unit_failed", "liveness", "systemd reports the ssh unit as failed"},
    FindingInfo{"liveness.restarting", "liveness",
                "systemd is restarting the ssh unit (crash loop)"},
    FindingInfo{"fail2ban.banned", "fail2ban", "fail2ban's sshd jail currently bans this address"},
    FindingInfo{"access.hosts_deny", "fail2ban", "an /etc/hosts.deny entry applies to sshd"},
    // One id per CVE of rules/vulnerabilities/openssh.yaml ("vulnerability.CVE-2024-6387").
    FindingInfo{"vulnerability.CVE-*", "vulnerabilities",
                "the installed (or running) sshd is exposed to a known CVE by the distribution's "
                "own record, or mitigated only by configuration"},
};

}  // namespace

std::span<const FindingInfo> AllFindings() { return kFindings; }

const FindingInfo* FindFinding(std::string_view id) {
  for (const auto& f : kFindings) {
    if (f.id == id) return &f;
    // "prefix*" stands for a family of ids named by data (one per CVE).
    if (f.id.ends_with('*') && id.size() >= f.id.size() &&
        id.substr(0, f.id.size() - 1) == f.id.substr(0, f.id.size() - 1))
      return &f;
  }
  return nullptr;
}

}  // namespace sshd_health
