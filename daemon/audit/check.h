#pragma once
// Check: one auditor. Each looks at the host through a HostView and returns findings
// (ids in finding_catalogue.cpp). An error means "could not tell": the check's status is
// unknown and the error is its detail.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/finding.h"
#include "audit/host_view.h"
#include "audit/sshd_config_view.h"
#include "core/config.h"
#include "core/result.h"

namespace sshd_health {

/// What sshd's logs said over the last hour, as the caller counted it (audits do not read
/// logs: `check` reads the recent end of them, the daemon counts in its pipeline;
/// app/recent_drops.h). nullopt = not known (no log could be read).
struct RecentLogCounts {
  std::optional<long> maxstartups_drops;  // "drop connection #N ... past MaxStartups"
  std::optional<long> grace_timeouts;     // "Timeout before authentication for ..."
};

/// What the auditors need from the daemon's Config plus what the caller learned elsewhere.
struct AuditSettings {
  std::string sshd_binary = "/usr/sbin/sshd";
  std::string sshd_config = "/etc/ssh/sshd_config";
  std::string state_dir;  // empty: nothing is recorded (host key fingerprints)
  ProbeConfig probe;
  /// "past MaxStartups" drops seen in the logs over the last hour; nullopt = not known.
  /// `check` counts them in the configured logs, the daemon in its pipeline
  /// (app/recent_drops.h).
  std::optional<long> recent_maxstartups_drops;
  /// LoginGraceTime expiries ("Timeout before authentication") over the last hour, counted
  /// like the drops; nullopt = not known. A burst on an sshd exposed to regreSSHion is
  /// named in the finding (the log side is the rule sshd.auth.grace_timeouts).
  std::optional<long> recent_grace_timeouts;
  /// The CVE list (rules/vulnerabilities/openssh.yaml); empty = the shipped file.
  std::string vulnerability_data;
  std::string hosts_deny = "/etc/hosts.deny";
  std::string hosts_allow = "/etc/hosts.allow";
  std::vector<std::string> units = {"ssh.service", "sshd.service"};
  std::string fail2ban_jail = "sshd";
  std::chrono::milliseconds command_timeout{10000};
};

AuditSettings AuditSettingsFromConfig(const Config& config);

/// The sshd facts every check shares, gathered once per audit run.
struct SshdFacts {
  SshdConfigView config;
  bool test_ran = false;        // `sshd -t` ran and judged the config
  std::string test_error;       // its complaint when it failed (empty = passed)
  std::string test_not_judged;  // why it could not judge the config, when that is known
  std::string version;          // "OpenSSH_9.2", empty when unknown
  int version_major = 0, version_minor = 0;
};

/// sshd's stderr as text: without the "\r" sshd ends each line with there (log.c writes
/// "\r\n"), which escaped in a report reads "\x0d", and without the last line end.
std::string SshdStderr(std::string err);

/// Runs `sshd -V`, `sshd -t` and `sshd -T` (falling back to ParseSshdConfigFile).
SshdFacts GatherSshdFacts(const HostView& host, const AuditSettings& settings);

struct AuditContext {
  AuditSettings settings;
  SshdFacts sshd;
};

class Check {
 public:
  virtual ~Check() = default;
  /// "config", "host_keys", "stale_libraries", "liveness", "fail2ban", "vulnerabilities".
  virtual std::string_view Name() const = 0;
  /// Findings on success; an error makes the check unknown. Never throws.
  virtual Result<std::vector<Finding>> Run(const HostView& host) = 0;
  /// After Run: what the check looked at (config source, banner and latency, ...).
  const std::string& Detail() const { return detail_; }

 protected:
  std::string detail_;
};

/// The check names, in report order.
const std::vector<std::string>& AllCheckNames();

/// One check by name (nullptr for an unknown name). `context` must outlive it.
std::unique_ptr<Check> MakeCheck(std::string_view name, const AuditContext& context);

}  // namespace sshd_health
