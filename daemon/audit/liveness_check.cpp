#include "audit/liveness_check.h"

#include <optional>

#include "core/text.h"

namespace sshd_health {
namespace {

int ParsePort(const std::string& text, int def) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return def;
  const int port = std::stoi(text);
  return port > 0 && port < 65536 ? port : def;
}

// "0.0.0.0:22", "[::]:22", "192.0.2.1", "::1", possibly followed by " rdomain NAME".
ProbeTarget ParseListen(std::string text, int default_port) {
  text = text.substr(0, text.find(' '));
  ProbeTarget t{text, default_port};
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    t.address = text.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    if (close != std::string::npos && close + 1 < text.size() && text[close + 1] == ':') {
      t.port = ParsePort(text.substr(close + 2), default_port);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    t.address = text.substr(0, colon);
    t.port = ParsePort(text.substr(colon + 1), default_port);
  }
  if (t.address == "0.0.0.0" || t.address == "localhost" || t.address.empty())
    t.address = "127.0.0.1";
  if (t.address == "::") t.address = "::1";
  return t;
}

// RFC 4253 4.2: "SSH-2.0-" (or "SSH-1.99-" from a server that also speaks version 1,
// which clients treat as 2.0), at most 255 bytes with CR LF. Why a probed identification
// is not acceptable, or nullopt when it is.
std::optional<std::string> BannerProblem(const std::string& banner) {
  const bool v2 = banner.rfind("SSH-2.0-", 0) == 0 || banner.rfind("SSH-1.99-", 0) == 0;
  if (!v2) return "not an SSH-2.0 identification";
  if (banner.size() > 255) return "identification longer than 255 bytes";
  return std::nullopt;
}

std::string HostPort(const ProbeTarget& t) {
  return (t.address.find(':') != std::string::npos ? "[" + t.address + "]" : t.address) + ":" +
         std::to_string(t.port);
}

}  // namespace

ProbeTarget ResolveProbeTarget(const AuditSettings& settings, const SshdConfigView& config) {
  const int config_port = ParsePort(config.Get("port", "22"), 22);
  ProbeTarget target{"127.0.0.1", config_port};
  const auto listens = config.GetAll("listenaddress");
  // Prefer IPv4: a host without IPv6 loopback still answers there.
  for (const auto& l : listens) {
    if (!l.empty() && l[0] != '[' && std::count(l.begin(), l.end(), ':') <= 1) {
      target = ParseListen(l, config_port);
      break;
    }
    if (&l == &listens.back()) target = ParseListen(listens.front(), config_port);
  }
  if (settings.probe.address != "auto" && !settings.probe.address.empty()) {
    target.address = ParseListen(settings.probe.address, target.port).address;
  }
  if (settings.probe.port > 0) target.port = settings.probe.port;
  return target;
}

Result<std::vector<Finding>> LivenessCheck::Run(const HostView& host) {
  std::vector<Finding> findings;
  const auto target = ResolveProbeTarget(context_.settings, context_.sshd.config);
  const std::string where = HostPort(target);
  const auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(context_.settings.probe.timeout);
  auto probe = host.ProbeBanner(target.address, target.port, timeout);
  if (probe.outcome == BannerProbe::Outcome::kOk) {
    if (auto problem = BannerProblem(probe.banner)) {
      probe.outcome = BannerProbe::Outcome::kBadBanner;
      probe.error = std::move(*problem);
    }
  }
  const std::string logs = "`journalctl -u ssh -n 50` (or /var/log/auth.log)";
  auto add = [&](std::string id, Severity severity, std::string summary, std::string remedy) {
    findings.push_back(
        Finding{std::move(id), severity, where, std::move(summary), std::move(remedy)});
  };
  using O = BannerProbe::Outcome;
  switch (probe.outcome) {
    case O::kOk:
      detail_ = "banner \"" + EscapeForOutput(probe.banner, 255) + "\" from " + where + " in " +
                std::to_string(probe.latency.count()) + " ms";
      break;
    case O::kRefused:
      add("liveness.refused", Severity::kCritical, "nothing accepts SSH connections on " + where,
          "`systemctl status ssh`; " + logs +
              "; `sshd -t` then `systemctl restart ssh`; check "
              "ListenAddress and Port.");
      break;
    case O::kTimeout:
      add("liveness.timeout", Severity::kCritical,
          "no SSH banner from " + where + " within " + std::to_string(timeout.count()) + " ms (" +
              probe.error + ")",
          "Is sshd overloaded or stopped by a debugger/SIGSTOP? Check a firewall dropping packets "
          "(`nft list ruleset`, `iptables -L -n`) and " +
              logs + ".");
      break;
    case O::kClosed:
      add("liveness.no_banner", Severity::kCritical,
          where + " accepted the connection and closed it before the SSH banner" +
              (probe.banner.empty()
                   ? std::string()
                   : " (it said \"" + EscapeForOutput(TrimSpace(probe.banner), 120) + "\")") +
              ": clients see \"kex_exchange_identification: Connection closed by remote host\"",
          "Look in " + logs +
              " for \"drop connection #N ... past MaxStartups\" (raise MaxStartups "
              "or stop the flood), \"refused connect from\" (/etc/hosts.deny) or "
              "PerSourcePenalties; "
              "`sshd -t` for errors that kill each connection.");
      break;
    case O::kBadBanner:
      add("liveness.bad_banner", Severity::kCritical,
          where + " answered \"" + EscapeForOutput(probe.banner, 120) +
              "\", not an SSH-2.0 "
              "identification (" +
              probe.error + ")",
          "Another service holds the port, or something in between rewrites it: `ss -ltnp "
          "'sport = :" +
              std::to_string(target.port) + "'`.");
      break;
    case O::kError:
      return Fail("cannot probe " + where + ": " + probe.error);
  }

  std::string units_detail;
  for (const auto& unit : context_.settings.units) {
    auto state = host.GetUnitState(unit);
    if (!state) {
      units_detail = "unit state unknown (" + state.error().message + ")";
      break;
    }
    if (state->load_state != "loaded") continue;
    units_detail = unit + " " + state->active_state + "/" + state->sub_state + ", " +
                   std::to_string(state->n_restarts) + " restarts";
    Finding f;
    f.subject = unit;
    if (state->active_state == "failed") {
      f.id = "liveness.unit_failed";
      f.severity = Severity::kCritical;
      f.summary = "systemd reports " + unit + " as failed (" + state->sub_state + ")";
      f.remedy = "`systemctl status " + unit + "`, `journalctl -u " + unit +
                 " -n 50`; fix, `sshd -t`, "
                 "then `systemctl restart " +
                 unit + "`.";
      findings.push_back(std::move(f));
    } else if (state->sub_state == "auto-restart" ||
               (state->active_state == "activating" && state->n_restarts > 0)) {
      f.id = "liveness.restarting";
      f.severity = Severity::kWarning;
      f.summary = "systemd is restarting " + unit + " (" + std::to_string(state->n_restarts) +
                  " restarts so far): sshd keeps dying";
      f.remedy = "`journalctl -u " + unit +
                 " -n 50` for the fatal error (host keys, config, "
                 "privilege separation directory); `sshd -t`.";
      findings.push_back(std::move(f));
    }
    break;
  }
  if (units_detail.empty()) units_detail = "no ssh unit known to systemd";
  detail_ += (detail_.empty() ? "" : "; ") + units_detail;
  return findings;
}

}  // namespace sshd_health
