#include "audit/check.h"

#include <re2/re2.h>

#include "audit/config_check.h"
#include "audit/fail2ban_check.h"
#include "audit/host_key_check.h"
#include "audit/liveness_check.h"
#include "audit/stale_library_check.h"
#include "audit/vulnerability_check.h"
#include "core/text.h"

namespace sshd_health {
namespace {

// What sshd says, as root, when /run/sshd is absent (sshd.c, privilege separation).
constexpr std::string_view kMissingPrivsepDir = "Missing privilege separation directory";

// The first line of sshd's complaint, as a report shows it.
std::string FirstLineShown(const std::string& err) {
  return EscapeForOutput(TrimSpace(std::string_view(err).substr(0, err.find('\n'))), 200);
}

}  // namespace

std::string SshdStderr(std::string err) {
  std::erase(err, '\r');
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  return err;
}

AuditSettings AuditSettingsFromConfig(const Config& config) {
  AuditSettings s;
  s.sshd_binary = config.audit.sshd_binary;
  s.sshd_config = config.audit.sshd_config;
  s.state_dir = config.state_dir;
  s.probe = config.audit.probe;
  return s;
}

SshdFacts GatherSshdFacts(const HostView& host, const AuditSettings& settings) {
  SshdFacts facts;
  const auto timeout = settings.command_timeout;
  const std::string& binary = settings.sshd_binary;
  const std::string& path = settings.sshd_config;
  std::string why_not_sshd;
  if (!host.Stat(binary)) {
    why_not_sshd = binary + " not found";
  } else {
    // `sshd -V` (9.2+) prints "OpenSSH_9.2p1 Debian-2, OpenSSL ..."; older versions print
    // the same line in their usage message.
    if (auto v = host.RunCommand({binary, "-V"}, timeout)) {
      // RE2, as everywhere: the text is a program's output, and std::stoi would throw on
      // a number out of range where RE2's int parse just fails the match.
      static const re2::RE2 kVersion(R"((OpenSSH_(\d+)\.(\d+)[^\s,]*))");
      const std::string text = v->err + v->out;
      std::string version;
      int major = 0, minor = 0;
      if (RE2::PartialMatch(text, kVersion, &version, &major, &minor)) {
        facts.version = version;
        facts.version_major = major;
        facts.version_minor = minor;
      }
    }
    if (auto t = host.RunCommand({binary, "-t", "-f", path}, timeout); t && !t->timed_out) {
      const std::string err = SshdStderr(t->err);
      if (t->exit_code == 0) {
        facts.test_ran = true;
      } else if (err.find(kMissingPrivsepDir) != std::string::npos) {
        // Not the config: sshd stops at this before reading its host keys. Debian's
        // ssh.service makes the directory as it starts sshd (RuntimeDirectory=sshd) and
        // removes it as sshd stops, so a stopped sshd is the usual cause, and a start
        // would find its directory.
        facts.test_not_judged =
            FirstLineShown(err) + " (made by ssh.service when it starts sshd: is sshd stopped?)";
      } else {
        facts.test_ran = true;
        facts.test_error = err.empty() ? "exit status " + std::to_string(t->exit_code) : err;
      }
    }
    auto dump = host.RunCommand({binary, "-T", "-f", path}, timeout);
    if (dump && dump->exit_code == 0 && !dump->out.empty()) {
      facts.config = ParseSshdTOutput(dump->out);
      facts.config.source = "sshd -T -f " + path;
      facts.config.from_sshd = true;
      return facts;
    }
    if (!dump) {
      why_not_sshd = dump.error().message;
    } else {
      const std::string err = FirstLineShown(SshdStderr(dump->err));
      why_not_sshd = "sshd -T failed" + (err.empty() ? "" : ": " + err);
    }
  }
  auto parsed = ParseSshdConfigFile(host, path);
  if (parsed) {
    facts.config = std::move(*parsed);
    facts.config.source = "parsed " + path + " (" + why_not_sshd + ")";
  } else {
    FillSshdDefaults(facts.config);
    facts.config.source = "OpenSSH defaults (" + why_not_sshd + "; " + parsed.error().message + ")";
  }
  return facts;
}

const std::vector<std::string>& AllCheckNames() {
  static const std::vector<std::string> kNames = {"config",   "host_keys", "stale_libraries",
                                                  "liveness", "fail2ban",  "vulnerabilities"};
  return kNames;
}

std::unique_ptr<Check> MakeCheck(std::string_view name, const AuditContext& context) {
  if (name == "config") return std::make_unique<ConfigCheck>(context);
  if (name == "host_keys") return std::make_unique<HostKeyCheck>(context);
  if (name == "stale_libraries") return std::make_unique<StaleLibraryCheck>(context);
  if (name == "liveness") return std::make_unique<LivenessCheck>(context);
  if (name == "fail2ban") return std::make_unique<Fail2banCheck>(context);
  if (name == "vulnerabilities") return std::make_unique<VulnerabilityCheck>(context);
  return nullptr;
}

}  // namespace sshd_health
