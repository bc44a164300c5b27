#include "app/why/why_server.h"

#include "audit/check.h"  // SshdStderr
#include "audit/sshd_config_view.h"
#include "core/text.h"

namespace sshd_health::why {

const std::vector<std::string>& EffectiveKeywords() {
  static const std::vector<std::string> kKeywords = {"allowusers",
                                                     "denyusers",
                                                     "allowgroups",
                                                     "denygroups",
                                                     "permitrootlogin",
                                                     "passwordauthentication",
                                                     "pubkeyauthentication",
                                                     "kbdinteractiveauthentication",
                                                     "authenticationmethods",
                                                     "maxauthtries",
                                                     "maxstartups",
                                                     "persourcepenalties",
                                                     "logingracetime",
                                                     "strictmodes",
                                                     "authorizedkeysfile",
                                                     "kexalgorithms",
                                                     "hostkeyalgorithms",
                                                     "ciphers",
                                                     "macs",
                                                     "pubkeyacceptedalgorithms",
                                                     "usepam"};
  return kKeywords;
}

std::string ConnectionSpec(const ClientQuery& q) {
  const std::string user = q.user.empty() ? "-" : q.user;
  const std::string addr = q.ip.empty() ? "0.0.0.0" : q.ip;
  return "user=" + user + ",addr=" + addr + ",host=" + addr;
}

ServerState GatherServerState(const HostView& host, const AuditSettings& settings,
                              const ClientQuery& query) {
  ServerState state;
  const ReadOnlyHost read_only(host);
  state.audit = RunAudit(read_only, settings);
  const std::vector<std::string> argv = {settings.sshd_binary,  "-T", "-C",
                                         ConnectionSpec(query), "-f", settings.sshd_config};
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  const auto r = read_only.RunCommand(argv, settings.command_timeout);
  if (!r) {
    state.effective_source = EscapeForOutput(shown + ": " + r.error().message, 300);
  } else if (r->exit_code != 0) {
    state.effective_source =
        EscapeForOutput(shown + " failed: " + SshdStderr(r->err + r->out), 300);
  } else {
    state.effective_source = EscapeForOutput(shown, 300);
    const SshdConfigView view = ParseSshdTOutput(r->out);
    for (const auto& k : EffectiveKeywords()) {
      const auto all = view.GetAll(k);
      if (all.empty()) continue;
      std::string joined;
      for (const auto& v : all) joined += (joined.empty() ? "" : " ") + v;
      state.effective[k] = EscapeForOutput(joined, 1000);
    }
  }
  return state;
}

}  // namespace sshd_health::why
