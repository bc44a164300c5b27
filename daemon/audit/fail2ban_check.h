#pragma once
// The "fail2ban" check, for everything that blocks clients before sshd sees them:
// fail2ban.banned (the sshd jail's banned addresses) and access.hosts_deny (entries of
// /etc/hosts.deny that apply to sshd, and whether this sshd uses libwrap at all).
#include "audit/check.h"

namespace sshd_health {

class Fail2banCheck final : public Check {
 public:
  explicit Fail2banCheck(const AuditContext& context) : context_(context) {}
  std::string_view Name() const override { return "fail2ban"; }
  Result<std::vector<Finding>> Run(const HostView& host) override;

 private:
  const AuditContext& context_;
};

/// Entries of a hosts.deny/hosts.allow text (continuations joined, comments dropped)
/// whose daemon list covers sshd.
std::vector<std::string> HostsEntriesForSshd(std::string_view text);

/// Whether `sshd_binary` is linked against libwrap (so hosts.deny/hosts.allow apply): its
/// NEEDED name sits in the binary's dynamic string table (Debian's 9.2 links libwrap.so.0;
/// upstream dropped it in 6.7). False when the binary cannot be read.
bool SshdUsesLibwrap(const HostView& host, const std::string& sshd_binary);

/// "Banned IP list:" of `fail2ban-client status JAIL`.
std::vector<std::string> ParseBannedIps(std::string_view status_output);

/// Most banned addresses reported one by one; the rest are counted in the detail.
inline constexpr std::size_t kMaxBanFindings = 100;

}  // namespace sshd_health
