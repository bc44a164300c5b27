#include "audit/fail2ban_check.h"

#include <algorithm>

#include "core/text.h"

namespace sshd_health {
namespace {

std::vector<std::string> Words(std::string_view text) { return SplitWords(text, " \t,\n\r"); }

// hosts_access(5): "daemon_list : client_list [: shell_command]"; a daemon may be written
// "sshd@host"; "ALL EXCEPT sshd" excludes it.
bool DaemonListCoversSshd(std::string_view list) {
  bool covered = false, except = false;
  for (auto word : Words(list)) {
    if (word == "EXCEPT") {
      except = true;
      continue;
    }
    word = word.substr(0, word.find('@'));
    if (word == "ALL" || word == "sshd") covered = !except;
  }
  return covered;
}

// fail2ban-client logs "DATE fail2ban [PID]: ERROR   Failed to access socket path: ...".
std::string ClientComplaint(const CommandResult& r) {
  const std::string& text = r.err.empty() ? r.out : r.err;
  if (text.find("Failed to access socket") != std::string::npos)
    return "fail2ban server not running";
  std::string_view last = TrimSpace(text);
  last =
      TrimSpace(last.substr(last.rfind('\n') == std::string_view::npos ? 0 : last.rfind('\n') + 1));
  const auto level = last.find("ERROR");
  if (level != std::string_view::npos) last = TrimSpace(last.substr(level + 5));
  return EscapeForOutput(last, 200);
}

}  // namespace

std::vector<std::string> HostsEntriesForSshd(std::string_view text) {
  std::vector<std::string> out;
  std::string logical;
  auto flush = [&] {
    const auto hash = logical.find('#');
    if (hash != std::string::npos) logical.resize(hash);
    const std::string entry(TrimSpace(logical));
    logical.clear();
    const auto colon = entry.find(':');
    if (entry.empty() || colon == std::string::npos) return;
    if (DaemonListCoversSshd(std::string_view(entry).substr(0, colon))) out.push_back(entry);
  };
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\\') {
      logical += std::string(line.substr(0, line.size() - 1)) + " ";
      continue;
    }
    logical += line;
    flush();
  }
  if (!logical.empty()) flush();
  return out;
}

bool SshdUsesLibwrap(const HostView& host, const std::string& sshd_binary) {
  auto binary = host.ReadFile(sshd_binary, 32 << 20);
  return binary && binary->find("libwrap.so") != std::string::npos;
}

std::vector<std::string> ParseBannedIps(std::string_view output) {
  constexpr std::string_view kLabel = "Banned IP list:";
  const auto at = output.find(kLabel);
  if (at == std::string_view::npos) return {};
  auto rest = output.substr(at + kLabel.size());
  return Words(rest.substr(0, rest.find('\n')));
}

Result<std::vector<Finding>> Fail2banCheck::Run(const HostView& host) {
  std::vector<Finding> findings;
  const auto& s = context_.settings;
  const std::string& jail = s.fail2ban_jail;
  if (!host.FindProgram("fail2ban-client")) {
    detail_ = "fail2ban not installed";
  } else if (auto r = host.RunCommand({"fail2ban-client", "status", jail}, s.command_timeout); !r) {
    detail_ = "fail2ban-client: " + r.error().message;
  } else if (r->exit_code != 0) {
    detail_ = "fail2ban jail " + jail + " not available (" + ClientComplaint(*r) + ")";
  } else {
    const auto ips = ParseBannedIps(r->out);
    detail_ = "fail2ban jail " + jail + ": " + std::to_string(ips.size()) + " banned";
    for (std::size_t i = 0; i < ips.size() && i < kMaxBanFindings; ++i) {
      const std::string ip = EscapeForOutput(ips[i], 64);
      findings.push_back(
          Finding{"fail2ban.banned", Severity::kInfo, ip,
                  "fail2ban's " + jail + " jail bans " + ip + ": its SSH connections are blocked",
                  "If this is a legitimate user: `fail2ban-client set " + jail + " unbanip " + ip +
                      "` (and consider ignoreip in jail.local)."});
    }
    if (ips.size() > kMaxBanFindings) {
      detail_ += " (" + std::to_string(kMaxBanFindings) + " listed)";
    }
  }

  auto deny = host.ReadFile(s.hosts_deny, 1 << 20);
  if (!deny) {
    detail_ += "; no " + s.hosts_deny;
    return findings;
  }
  // libwrap is consulted only if sshd links it.
  const bool wraps = SshdUsesLibwrap(host, s.sshd_binary);
  const auto entries = HostsEntriesForSshd(*deny);
  detail_ += "; " + s.sshd_binary + (wraps ? " uses" : " does not use") + " libwrap (" +
             std::to_string(entries.size()) + " hosts.deny entries for sshd)";
  for (const auto& entry : entries) {
    const std::string shown = EscapeForOutput(entry, 200);
    Finding f;
    f.id = "access.hosts_deny";
    f.subject = s.hosts_deny + ": " + shown;
    if (wraps) {
      f.severity = Severity::kWarning;
      f.summary = s.hosts_deny + " entry \"" + shown +
                  "\" refuses matching clients before the "
                  "banner (\"refused connect from\" in the log; the client sees "
                  "kex_exchange_identification errors)";
      f.remedy = "If it blocks someone it should not, edit " + s.hosts_deny + " or allow them in " +
                 s.hosts_allow + " (it is read first); no reload needed.";
    } else {
      f.severity = Severity::kInfo;
      f.summary = s.hosts_deny + " entry \"" + shown + "\" has no effect: " + s.sshd_binary +
                  " is not built with libwrap";
      f.remedy =
          "Block addresses with the firewall or sshd_config (AllowUsers, Match Address) "
          "instead, and remove the entry to avoid confusion.";
    }
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace sshd_health
