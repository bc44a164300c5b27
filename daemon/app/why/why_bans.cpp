#include "app/why/why_bans.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "audit/fail2ban_check.h"
#include "core/text.h"

namespace sshd_health::why {
namespace {

// The address as bytes (4 or 16) for prefix tests; empty when it is not an address.
std::string AddressBytes(std::string_view text) {
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[16];
  if (::inet_pton(AF_INET, s.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 4);
  if (::inet_pton(AF_INET6, s.c_str(), buf) == 1)
    return std::string(reinterpret_cast<char*>(buf), 16);
  return {};
}

bool PrefixMatches(const std::string& net, const std::string& addr, int len) {
  if (net.size() != addr.size() || len < 0 || len > static_cast<int>(addr.size()) * 8) return false;
  for (int bit = 0; bit < len; ++bit) {
    const int byte = bit / 8, shift = 7 - bit % 8;
    if (((net[byte] >> shift) & 1) != ((addr[byte] >> shift) & 1)) return false;
  }
  return true;
}

// Length of a dotted netmask ("255.255.255.0" -> 24); -1 when it is not one.
int MaskLength(const std::string& mask) {
  const std::string bytes = AddressBytes(mask);
  if (bytes.size() != 4) return -1;
  int len = 0;
  bool ended = false;
  for (unsigned char c : bytes) {
    for (int shift = 7; shift >= 0; --shift) {
      const bool one = (c >> shift) & 1;
      if (one && ended) return -1;
      if (one) ++len;
      ended = ended || !one;
    }
  }
  return len;
}

bool PatternMatches(std::string_view pattern, std::string_view ip, const std::string& ip_bytes) {
  if (pattern == "ALL") return true;
  if (pattern.empty()) return false;
  const std::string p(pattern);
  if (p.back() == '.') return ip.substr(0, p.size()) == p;  // "192.168." prefix
  const auto slash = p.find('/');
  if (slash != std::string::npos) {
    const std::string net = AddressBytes(p.substr(0, slash));
    const std::string tail = p.substr(slash + 1);
    int len = tail.find('.') != std::string::npos ? MaskLength(tail) : -1;
    if (len < 0 && !tail.empty() && tail.find_first_not_of("0123456789") == std::string::npos &&
        tail.size() <= 3) {
      len = std::stoi(tail);
    }
    return len >= 0 && PrefixMatches(net, ip_bytes, len);
  }
  const std::string bytes = AddressBytes(p);
  return !bytes.empty() && bytes == ip_bytes;
}

bool ListMatches(const std::vector<std::string>& words, std::string_view ip,
                 const std::string& ip_bytes) {
  for (const auto& w : words) {
    if (PatternMatches(w, ip, ip_bytes)) return true;
  }
  return false;
}

std::string Shown(std::string_view text) { return EscapeForOutput(text, 300); }

}  // namespace

bool HostsClientListMatches(std::string_view client_list, std::string_view ip) {
  const std::string ip_bytes = AddressBytes(ip);
  if (ip_bytes.empty()) return false;
  std::vector<std::string> include, except;
  bool in_except = false;
  for (auto& word : SplitWords(client_list, " \t,")) {
    if (word == "EXCEPT") {
      in_except = true;
      continue;
    }
    (in_except ? except : include).push_back(std::move(word));
  }
  return ListMatches(include, ip, ip_bytes) && !ListMatches(except, ip, ip_bytes);
}

std::string HostsEntryClients(std::string_view entry) {
  // daemon_list : client_list [: shell_command]; an IPv6 pattern is in brackets.
  int depth = 0;
  std::size_t first = std::string_view::npos, second = std::string_view::npos;
  for (std::size_t i = 0; i < entry.size(); ++i) {
    if (entry[i] == '[') ++depth;
    if (entry[i] == ']') --depth;
    if (entry[i] == ':' && depth == 0) {
      if (first == std::string_view::npos) {
        first = i;
      } else {
        second = i;
        break;
      }
    }
  }
  if (first == std::string_view::npos) return {};
  return std::string(TrimSpace(entry.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1)));
}

namespace {

using nlohmann::json;

// Whether an nft JSON match operand ("right") covers the address.
bool RightCovers(const json& right, std::string_view ip, const std::string& ip_bytes,
                 const std::vector<std::string>& sets_with_ip) {
  if (right.is_string()) {
    const std::string r = right.get<std::string>();
    if (!r.empty() && r[0] == '@') {
      return std::find(sets_with_ip.begin(), sets_with_ip.end(), r.substr(1)) != sets_with_ip.end();
    }
    return AddressBytes(r) == ip_bytes;
  }
  if (right.is_object() && right.contains("prefix")) {
    const json& p = right["prefix"];
    if (!p.contains("addr") || !p["addr"].is_string() || !p.contains("len")) return false;
    return PrefixMatches(AddressBytes(p["addr"].get<std::string>()), ip_bytes,
                         p["len"].is_number_integer() ? p["len"].get<int>() : -1);
  }
  if (right.is_object() && right.contains("set"))
    return RightCovers(right["set"], ip, ip_bytes, sets_with_ip);
  if (right.is_array()) {
    for (const auto& e : right) {
      if (RightCovers(e, ip, ip_bytes, sets_with_ip)) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<Ban> NftBans(std::string_view text, std::string_view ip) {
  std::vector<Ban> out;
  const std::string ip_bytes = AddressBytes(ip);
  const json doc = json::parse(text, nullptr, false);
  if (ip_bytes.empty() || doc.is_discarded() || !doc.contains("nftables") ||
      !doc["nftables"].is_array()) {
    return out;
  }
  // Named sets holding the address ("@blocked" in a rule), by "family table name".
  std::vector<std::string> sets_with_ip;
  std::vector<std::string> set_ids;
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("set") || !item["set"].is_object()) continue;
    const json& set = item["set"];
    if (set.contains("elem") && RightCovers(set["elem"], ip, ip_bytes, {})) {
      sets_with_ip.push_back(set.value("name", ""));
      set_ids.push_back(set.value("family", "") + " " + set.value("table", "") + " " +
                        set.value("name", ""));
    }
  }
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("rule") || !item["rule"].is_object()) continue;
    const json& rule = item["rule"];
    if (!rule.contains("expr") || !rule["expr"].is_array()) continue;
    bool covers = false, drops = false;
    std::string via_set;
    for (const auto& e : rule["expr"]) {
      if (!e.is_object()) continue;
      if (e.contains("drop") || e.contains("reject")) drops = true;
      if (e.contains("match") && e["match"].is_object() && e["match"].contains("right")) {
        const json& right = e["match"]["right"];
        if (RightCovers(right, ip, ip_bytes, sets_with_ip)) {
          covers = true;
          if (right.is_string() && right.get<std::string>().starts_with("@")) {
            via_set = right.get<std::string>().substr(1);
          }
        }
      }
    }
    if (!covers || !drops) continue;
    const std::string family = rule.value("family", ""), table = rule.value("table", ""),
                      chain = rule.value("chain", "");
    const std::string handle = rule.contains("handle") ? rule["handle"].dump() : std::string("?");
    Ban ban;
    ban.source = "nftables";
    ban.evidence =
        Shown("table " + family + " " + table + " chain " + chain + " handle " + handle +
              (via_set.empty() ? ": drops " : ": drops set @" + via_set + ", which holds ") +
              std::string(ip));
    ban.remedy =
        via_set.empty()
            ? Shown("nft delete rule " + family + " " + table + " " + chain + " handle " + handle)
            : Shown("nft delete element " + family + " " + table + " " + via_set + " { " +
                    std::string(ip) + " }");
    ban.remedy += "\nnft list ruleset | grep -n " + Shown(ip) + "   # anything else naming it";
    out.push_back(std::move(ban));
  }
  return out;
}

std::vector<Ban> IptablesBans(std::string_view text, std::string_view ip) {
  std::vector<Ban> out;
  const std::string want = std::string(ip), want32 = want + "/32", want128 = want + "/128";
  std::string table = "filter";
  for (auto& line : SplitWords(text, "\n")) {
    const std::string_view l = TrimSpace(line);
    if (!l.empty() && l[0] == '*') {
      table = std::string(l.substr(1));
      continue;
    }
    if (!l.starts_with("-A ")) continue;
    const auto words = SplitWords(l, " \t");
    bool source = false, drops = false;
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "-s" &&
          (words[i + 1] == want || words[i + 1] == want32 || words[i + 1] == want128))
        source = true;
      if (words[i] == "-j" && (words[i + 1] == "DROP" || words[i + 1] == "REJECT")) drops = true;
    }
    if (!source || !drops) continue;
    out.push_back(Ban{.source = "iptables",
                      .evidence = Shown("-t " + table + " " + std::string(l)),
                      .remedy = Shown("iptables -t " + table + " -D " + std::string(l.substr(3)))});
  }
  return out;
}

BanReport ProbeBans(const HostView& host, const AuditSettings& s, const std::string& ip) {
  BanReport report;
  const auto timeout = s.command_timeout;

  // fail2ban: every jail, not only sshd's (a "recidive" jail holds repeat offenders).
  if (!host.FindProgram("fail2ban-client")) {
    report.looked.push_back({"fail2ban", "fail2ban not installed", false});
  } else if (auto r = host.RunCommand({"fail2ban-client", "status"}, timeout);
             !r || r->exit_code != 0) {
    // "Failed to access socket path: ... Is fail2ban running?": no server, so no bans.
    const bool not_running =
        r && (r->err + r->out).find("Failed to access socket") != std::string::npos;
    report.looked.push_back({"fail2ban",
                             not_running
                                 ? "fail2ban is installed but its server is not running: no bans"
                                 : "fail2ban-client status failed",
                             !not_running});
  } else {
    const auto at = r->out.find("Jail list:");
    std::vector<std::string> jails;
    if (at != std::string::npos) {
      const std::string rest = r->out.substr(at + 10);
      jails = SplitWords(rest.substr(0, rest.find('\n')), " \t,");
    }
    std::string looked;
    for (const auto& jail : jails) {
      const auto status = host.RunCommand({"fail2ban-client", "status", jail}, timeout);
      if (!status || status->exit_code != 0) continue;
      const auto banned = ParseBannedIps(status->out);
      looked +=
          (looked.empty() ? "" : ", ") + jail + " (" + std::to_string(banned.size()) + " banned)";
      if (std::find(banned.begin(), banned.end(), ip) == banned.end()) continue;
      // The guide's unban command, as the fail2ban check's finding gives it.
      report.bans.push_back(Ban{.source = "fail2ban",
                                .evidence = Shown("fail2ban jail " + jail + " bans " + ip),
                                .remedy = Shown("fail2ban-client set " + jail + " unbanip " + ip) +
                                          "\n(and consider ignoreip in jail.local)"});
    }
    report.looked.push_back(
        {"fail2ban",
         "jails " + (looked.empty() ? std::string("none") : looked) + ": none holds " + ip, false});
  }

  // hosts.allow is read first: a match there admits whatever hosts.deny says.
  const bool wraps = SshdUsesLibwrap(host, s.sshd_binary);
  if (!wraps) {
    report.looked.push_back(
        {"hosts.deny",
         s.sshd_binary + " does not use libwrap: hosts.deny and hosts.allow do not apply", false});
  } else {
    std::string allowed_by;
    if (auto allow = host.ReadFile(s.hosts_allow, 1 << 20)) {
      for (const auto& entry : HostsEntriesForSshd(*allow)) {
        if (HostsClientListMatches(HostsEntryClients(entry), ip)) {
          allowed_by = entry;
          break;
        }
      }
    }
    std::string denied_by;
    if (auto deny = host.ReadFile(s.hosts_deny, 1 << 20)) {
      for (const auto& entry : HostsEntriesForSshd(*deny)) {
        if (HostsClientListMatches(HostsEntryClients(entry), ip)) {
          denied_by = entry;
          break;
        }
      }
    }
    if (!denied_by.empty() && allowed_by.empty()) {
      report.bans.push_back(
          Ban{.source = "hosts.deny",
              .evidence = Shown(s.hosts_deny + ": " + denied_by),
              .remedy = Shown("grep -n '" + ip + "' " + s.hosts_deny + " " + s.hosts_allow) +
                        "\nIf it blocks someone it should not, edit " + s.hosts_deny +
                        " or allow them in " + s.hosts_allow +
                        " (it is read first); no reload needed."});
    } else if (!denied_by.empty()) {
      report.looked.push_back(
          {"hosts.deny",
           Shown(s.hosts_deny + " entry \"" + denied_by + "\" matches, but " + s.hosts_allow +
                 " entry \"" + allowed_by + "\" admits it first"),
           false});
    } else {
      report.looked.push_back(
          {"hosts.deny", "no entry of " + s.hosts_deny + " for sshd matches " + ip, false});
    }
  }

  // Firewalls, where readable (root; nft and iptables-nft show the same tables then).
  if (!host.FindProgram("nft")) {
    report.looked.push_back({"nftables", "nft not installed", false});
  } else if (auto r = host.RunCommand({"nft", "-j", "list", "ruleset"}, timeout);
             !r || r->exit_code != 0) {
    report.looked.push_back(
        {"nftables",
         "nft -j list ruleset failed" + (r ? ": " + Shown(TrimSpace(r->err)) : std::string()),
         true});
  } else {
    auto bans = NftBans(r->out, ip);
    if (bans.empty()) report.looked.push_back({"nftables", "no rule drops " + ip, false});
    for (auto& b : bans) report.bans.push_back(std::move(b));
  }
  if (!host.FindProgram("iptables-save")) {
    report.looked.push_back({"iptables", "iptables-save not installed", false});
  } else if (auto r = host.RunCommand({"iptables-save"}, timeout); !r || r->exit_code != 0) {
    report.looked.push_back(
        {"iptables", "iptables-save failed" + (r ? ": " + Shown(TrimSpace(r->err)) : std::string()),
         true});
  } else {
    auto bans = IptablesBans(r->out, ip);
    if (bans.empty()) report.looked.push_back({"iptables", "no rule drops " + ip, false});
    for (auto& b : bans) report.bans.push_back(std::move(b));
  }
  return report;
}

}  // namespace sshd_health::why
