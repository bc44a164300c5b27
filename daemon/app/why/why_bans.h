#pragma once
// Whether something blocks one address before (or instead of) sshd's own decisions:
// fail2ban jails holding it, hosts.deny/hosts.allow entries matching it (when sshd uses
// libwrap), nftables or iptables rules dropping it. Read-only probes through the
// HostView (`fail2ban-client status`, `nft -j list ruleset`, `iptables-save`), so tests
// drive them with a FakeHost and nothing here can change the host.
#include <string>
#include <string_view>
#include <vector>

#include "audit/check.h"
#include "audit/host_view.h"

namespace sshd_health::why {

/// One thing that blocks the address.
struct Ban {
  std::string source;    // "fail2ban", "hosts.deny", "nftables", "iptables"
  std::string evidence;  // the jail, entry or rule, escaped
  std::string remedy;    // the commands that lift it
};

/// What was looked at and found nothing (or could not be read: then `unknown`).
struct BanLook {
  std::string source;
  std::string result;  // "jail sshd: 3 banned, not 192.0.2.7", "nft not installed"
  bool unknown = false;
};

struct BanReport {
  std::vector<Ban> bans;
  std::vector<BanLook> looked;
};

/// hosts_access(5) client list (the part after the daemon list): ALL, an exact address,
/// "n.n.n." prefixes, "n.n.n.n/m.m.m.m" and "/len" networks, "[v6]" and "[v6]/len",
/// LOCAL/KNOWN/PARANOID never match an address alone; "A EXCEPT B" matches A but not B.
bool HostsClientListMatches(std::string_view client_list, std::string_view ip);

/// The entry ("sshd: 192.0.2.7 : spawn ...") split at its colons outside brackets: the
/// client list, or empty when it has none.
std::string HostsEntryClients(std::string_view entry);

/// Rules in `nft -j list ruleset` output that drop or reject `ip` (by an address match,
/// a prefix, an anonymous set or a named set), each as "table FAMILY NAME chain C handle
/// H: ..." evidence with its `nft delete` remedy.
std::vector<Ban> NftBans(std::string_view json, std::string_view ip);

/// `iptables-save` lines with "-s IP[/32]" jumping to DROP or REJECT.
std::vector<Ban> IptablesBans(std::string_view save_output, std::string_view ip);

/// Runs every probe for `ip`. `settings` gives hosts.deny/hosts.allow, the sshd binary and
/// the command timeout.
BanReport ProbeBans(const HostView& host, const AuditSettings& settings, const std::string& ip);

}  // namespace sshd_health::why
