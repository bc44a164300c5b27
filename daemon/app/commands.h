#pragma once
// The subcommands of `sshd-health` (DESIGN.md "Contracts"). cli.cpp turns argv into one
// of these option structs; each Run* lives beside the part it drives and returns the
// process exit status. ConfigError escapes to main, which prints it and exits 78.
#include <optional>
#include <string>
#include <vector>

namespace sshd_health {

inline constexpr int kExitConfigError = 78;  // EX_CONFIG

enum class OutputFormat { kText, kJson };

struct ScanOptions {
  std::optional<std::string> config_path;
  std::vector<std::string> rule_dirs;  // --rules DIR...; replaces config rules.paths
  bool events = false;                 // --events: one record per recognised line
  bool unknown = false;                // --unknown: the sshd lines not understood, by shape
  OutputFormat format = OutputFormat::kText;
  std::string journal_directory;    // --journal-directory DIR: scan journal files
  std::vector<std::string> inputs;  // files ("-" = stdin); none = the config's log files
};
int RunScan(const ScanOptions& options);  // core/scan_command.cpp

struct CheckOptions {
  std::optional<std::string> config_path;
  std::optional<std::string> sshd_config;  // overrides audit.sshd_config
  OutputFormat format = OutputFormat::kText;
  std::vector<std::string> only;  // check names
};
int RunCheck(const CheckOptions& options);  // audit/check_command.cpp

struct WhyOptions {
  std::optional<std::string> config_path;
  std::string ip;            // --ip ADDR
  std::string user;          // --user NAME
  std::string since = "1h";  // --since: how far back the logs are read
  OutputFormat format = OutputFormat::kText;
  std::optional<std::string> sshd_config;  // overrides audit.sshd_config
  std::string journal_directory;           // as scan's
  std::vector<std::string> inputs;         // as scan's; none = what the daemon reads
};
/// 0: a cause was found; 1: none on the server; 2: an error (no --ip/--user, bad value).
int RunWhy(const WhyOptions& options);  // app/why/why_command.cpp

struct DaemonOptions {
  std::optional<std::string> config_path;
  bool foreground_text = false;  // --text: readable alerts on the terminal (make run)
  /// How long a probe that reached sshd waits for its log line before
  /// sshd_health.logs_not_seen fires. Not for users (tests shorten it): the hidden
  /// --logs-not-seen-grace-ms.
  long logs_not_seen_grace_ms = 60'000;
};
int RunDaemon(const DaemonOptions& options);  // core/daemon_command.cpp

struct TestNotifyOptions {
  std::optional<std::string> config_path;
  std::optional<std::string> notifier;
};
int RunTestNotify(const TestNotifyOptions& options);  // notify/test_notify_command.cpp

struct StatusOptions {
  std::optional<std::string> config_path;  // where status_file is named
  OutputFormat format = OutputFormat::kText;
};
/// What the running daemon sees now; exit 3 (UNKNOWN) without one.
int RunStatus(const StatusOptions& options);  // app/status_command.cpp

struct ConfigValidateOptions {
  std::optional<std::string> config_path;
};
int RunConfigValidate(const ConfigValidateOptions& options);  // core/config_validate_command.cpp

/// Parses argv and runs the chosen command; returns the exit status.
int RunCli(int argc, char** argv);

}  // namespace sshd_health
