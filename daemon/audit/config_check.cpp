#include "audit/config_check.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/text.h"

namespace sshd_health {
namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// First few lines of sshd's complaint, one line, bounded.
std::string Quote(const std::string& text) {
  std::string out;
  std::string_view rest = text;
  int lines = 0;
  while (!rest.empty() && lines < 3) {
    const auto nl = rest.find('\n');
    const auto line = TrimSpace(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (line.empty()) continue;
    out += (out.empty() ? "" : " / ") + std::string(line);
    ++lines;
  }
  return EscapeForOutput(out, 400);
}

struct MaxStartups {
  long start = 10, rate = 30, full = 100;
};

std::optional<MaxStartups> ParseMaxStartups(const std::string& text) {
  MaxStartups m;
  long* fields[] = {&m.start, &m.rate, &m.full};
  std::size_t i = 0, pos = 0;
  while (pos <= text.size() && i < 3) {
    const auto colon = text.find(':', pos);
    const std::string part =
        text.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (part.empty() || !std::all_of(part.begin(), part.end(), ::isdigit) || part.size() > 9) {
      return std::nullopt;
    }
    *fields[i++] = std::stol(part);
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  if (i == 1) m.full = m.start;  // "MaxStartups 10": a hard limit
  return m;
}

void CheckMaxStartups(const AuditContext& ctx, std::vector<Finding>& findings,
                      std::string& detail) {
  const std::string value = ctx.sshd.config.Get("maxstartups", "10:30:100");
  const auto m = ParseMaxStartups(value);
  if (!ctx.settings.recent_maxstartups_drops) {
    detail += "; MaxStartups drops in the logs: unknown";
    return;
  }
  const long drops = *ctx.settings.recent_maxstartups_drops;
  detail += "; MaxStartups " + value + ", " + std::to_string(drops) + " drops in the last hour";
  if (!m || drops <= 0 || m->start > 10) return;
  Finding f;
  f.id = "config.maxstartups";
  f.severity = Severity::kWarning;
  f.subject = "MaxStartups " + value;
  f.summary = std::to_string(drops) + " connections were dropped past MaxStartups " + value +
              " in the last hour; their clients saw \"kex_exchange_identification: Connection "
              "closed by remote host\"";
  f.remedy =
      "MaxStartups start:rate:full means: beyond `start` unauthenticated connections sshd "
      "refuses new ones with probability rate%, rising to 100% at `full`. If the load is "
      "legitimate, raise it, e.g. `MaxStartups 50:30:200` in /etc/ssh/sshd_config.d/"
      "local.conf, then `sshd -t && systemctl reload ssh`; if it is a flood, block it "
      "(fail2ban, firewall, PerSourceMaxStartups).";
  findings.push_back(std::move(f));
}

void CheckAlgorithms(const AuditContext& ctx, std::vector<Finding>& findings) {
  struct Hit {
    Severity severity = Severity::kInfo;
    std::vector<std::string> keywords;
    bool is_default = true;
  };
  std::map<std::string, Hit> hits;
  static const std::map<std::string, std::string> kDirective = {
      {"kexalgorithms", "KexAlgorithms"},
      {"ciphers", "Ciphers"},
      {"macs", "MACs"},
      {"hostkeyalgorithms", "HostKeyAlgorithms"},
      {"pubkeyacceptedalgorithms", "PubkeyAcceptedAlgorithms"}};
  for (const auto& [keyword, defaults] : DefaultAlgorithmLists()) {
    for (const auto& alg : SplitList(ctx.sshd.config.Get(keyword))) {
      const auto weak = WeakAlgorithmSeverity(alg);
      if (!weak) continue;
      const bool is_default = std::find(defaults.begin(), defaults.end(), alg) != defaults.end();
      // OpenSSH ships it enabled: worth knowing, not worth waking anyone.
      const Severity severity = is_default ? Severity::kInfo : *weak;
      Hit& hit = hits[alg];
      hit.severity = std::max(hit.severity, severity);
      hit.is_default = hit.is_default && is_default;
      hit.keywords.push_back(kDirective.at(keyword));
    }
  }
  for (const auto& [alg, hit] : hits) {
    std::string where;
    for (const auto& k : hit.keywords) where += (where.empty() ? "" : ", ") + k;
    Finding f;
    f.id = "config.weak_algorithm";
    f.severity = hit.severity;
    f.subject = alg;
    f.summary =
        "legacy algorithm " + alg + " is enabled in " + where +
        (hit.is_default ? " (OpenSSH's own default list)" : " (added beyond OpenSSH's defaults)");
    f.remedy =
        hit.is_default
            ? "Optional hardening: remove it with `" + hit.keywords.front() + " -" + alg +
                  "` in /etc/ssh/sshd_config.d/local.conf, then `sshd -t && systemctl reload ssh`."
            : "Remove " + alg + " from " + where +
                  " (or delete the line to get OpenSSH's defaults), then `sshd -t && "
                  "systemctl reload ssh`; upgrade clients that still need it.";
    findings.push_back(std::move(f));
  }
}

void AddRisky(std::vector<Finding>& findings, Severity severity, std::string subject,
              std::string summary, std::string remedy) {
  Finding f;
  f.id = "config.risky_setting";
  f.severity = severity;
  f.subject = std::move(subject);
  f.summary = std::move(summary);
  f.remedy = std::move(remedy);
  findings.push_back(std::move(f));
}

void CheckRisky(const AuditContext& ctx, std::vector<Finding>& findings) {
  const auto& c = ctx.sshd.config;
  const std::string reload = " in /etc/ssh/sshd_config, then `sshd -t && systemctl reload ssh`.";
  if (Lower(c.Get("permitrootlogin")) == "yes") {
    AddRisky(findings, Severity::kWarning, "PermitRootLogin yes",
             "root may log in with a password: the first target of every brute-force run",
             "Set `PermitRootLogin prohibit-password` (keys only) or `no`" + reload);
  }
  if (Lower(c.Get("permitemptypasswords")) == "yes") {
    AddRisky(findings, Severity::kWarning, "PermitEmptyPasswords yes",
             "accounts with an empty password can log in",
             "Set `PermitEmptyPasswords no`" + reload);
  }
  if (Lower(c.Get("passwordauthentication")) == "yes") {
    // OpenSSH's (and Debian's) default: worth knowing, not an alarm.
    AddRisky(findings, Severity::kInfo, "PasswordAuthentication yes",
             "password logins are allowed, so brute-force attempts can succeed",
             "Where every user has a key: `PasswordAuthentication no`" + reload);
  }
  const std::string level = Lower(c.Get("loglevel", "INFO"));
  if (level == "quiet" || level == "fatal" || level == "error") {
    AddRisky(findings, Severity::kWarning, "LogLevel " + c.Get("loglevel"),
             "sshd logs too little for sshd-health to see failed logins, MaxStartups drops or "
             "banner failures",
             "Set `LogLevel VERBOSE` (or at least INFO)" + reload);
  } else if (level == "info" && (ctx.sshd.version_major > 9 ||
                                 (ctx.sshd.version_major == 9 && ctx.sshd.version_minor >= 5))) {
    AddRisky(findings, Severity::kInfo, "LogLevel INFO",
             ctx.sshd.version +
                 " logs \"kex_exchange_identification\" failures only at VERBOSE, "
                 "so connections closed before the banner go unseen",
             "Set `LogLevel VERBOSE`" + reload);
  }
}

}  // namespace

std::optional<Severity> WeakAlgorithmSeverity(std::string_view a) {
  // Broken: practical attacks or 64-bit blocks/RC4/MD5.
  if (a == "diffie-hellman-group1-sha1" || StartsWith(a, "ssh-dss") || a == "3des-cbc" ||
      StartsWith(a, "arcfour") || a == "blowfish-cbc" || a == "cast128-cbc" || a == "des-cbc" ||
      StartsWith(a, "hmac-md5") || a == "none" || StartsWith(a, "rijndael-cbc")) {
    return Severity::kCritical;
  }
  // Legacy: SHA-1 signatures and key exchange, CBC modes, truncated or 64-bit MACs.
  if (a == "diffie-hellman-group14-sha1" || a == "diffie-hellman-group-exchange-sha1" ||
      a == "ssh-rsa" || a == "ssh-rsa-cert-v01@openssh.com" ||
      (a.size() > 4 && a.substr(a.size() - 4) == "-cbc") || StartsWith(a, "hmac-sha1") ||
      StartsWith(a, "umac-64") || StartsWith(a, "hmac-ripemd160")) {
    return Severity::kWarning;
  }
  return std::nullopt;
}

Result<std::vector<Finding>> ConfigCheck::Run(const HostView& host) {
  (void)host;
  std::vector<Finding> findings;
  const auto& sshd = context_.sshd;
  const std::string& path = context_.settings.sshd_config;
  detail_ = "source: " + sshd.config.source;
  if (!sshd.version.empty()) detail_ += "; " + sshd.version;
  if (!sshd.test_ran) {
    detail_ += "; `sshd -t` could not run";
    if (!sshd.test_not_judged.empty()) detail_ += ": " + sshd.test_not_judged;
  } else if (!sshd.test_error.empty()) {
    Finding f;
    f.id = "config.invalid";
    f.severity = Severity::kCritical;
    f.subject = path;
    f.summary = "`sshd -t -f " + path + "` fails: " + Quote(sshd.test_error);
    f.remedy = "Fix what sshd names above, check with `sshd -t -f " + path +
               "`, then `systemctl reload ssh`; until then a restart of sshd would fail.";
    findings.push_back(std::move(f));
  }
  CheckMaxStartups(context_, findings, detail_);
  CheckAlgorithms(context_, findings);
  CheckRisky(context_, findings);
  return findings;
}

}  // namespace sshd_health
