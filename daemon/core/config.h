#pragma once
// The daemon's configuration: /etc/sshd-health/config.yaml, or a built-in default that
// works on a stock Debian or RHEL box. Shape and key names are a contract (DESIGN.md).
// Loading throws ConfigError ("file:line:col: key: message"); a running daemon that fails
// to reload keeps its old Config.
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/clock.h"
#include "core/severity.h"

namespace sshd_health {

inline constexpr const char* kDefaultConfigPath = "/etc/sshd-health/config.yaml";

enum class Tristate { kAuto, kOn, kOff };

struct JournalSourceConfig {
  Tristate enabled = Tristate::kAuto;  // auto: on when /run/systemd/journal exists
  std::string directory;               // read journal files here instead of the system journal
  enum class Start { kTail, kHead } start = Start::kTail;  // first start without a cursor
};

struct FileSourceConfig {
  std::string path;
};

struct SourcesConfig {
  JournalSourceConfig journal;
  std::vector<FileSourceConfig> files;
};

struct RulesConfig {
  /// Directories of *.yaml rule files, in order; a later directory's file of the same
  /// name replaces an earlier one's (rules.d overrides the shipped rules).
  std::vector<std::string> paths;
};

struct ProbeConfig {
  std::string address = "auto";  // auto: from ListenAddress of the effective config
  int port = 0;                  // 0 = auto: from Port of the effective config
  Duration timeout = std::chrono::seconds(5);
};

struct AuditConfig {
  bool enabled = true;
  Duration interval = std::chrono::minutes(5);
  std::string sshd_binary = "/usr/sbin/sshd";
  std::string sshd_config = "/etc/ssh/sshd_config";
  ProbeConfig probe;
};

/// One entry of notify.notifiers. The common keys are parsed here; the type-specific
/// ones are read by MakeNotifier (notify/make_notifier.h) from `options`, which keeps
/// its node marks so errors still name file and line.
struct NotifierConfig {
  std::string name;
  std::string type;
  Severity min_severity = Severity::kInfo;
  std::vector<std::string> include_rules;  // globs on rule/finding id; empty = all
  std::vector<std::string> exclude_rules;
  YAML::Node options;  // the whole mapping of this notifier
  std::string file;    // config file it came from
  std::string path;    // "notify.notifiers[2]"
};

/// Keys every notifier entry may have; MakeNotifier adds its own type's keys.
inline constexpr const char* kCommonNotifierKeys[] = {"name", "type", "min_severity", "rules"};

struct NotifyConfig {
  Duration dedup_window = std::chrono::minutes(10);
  Duration group_wait = std::chrono::seconds(10);
  long spool_max = 10000;  // alerts kept for delivery per notifier; beyond that, dropped and counted
  long rate_limit = 30;    // deliveries (batches) per notifier per minute; 0 = unlimited;
                           // a notifier entry's own `rate_limit:` overrides it
  std::vector<NotifierConfig> notifiers;
};

struct MetricsConfig {
  std::string listen;  // "127.0.0.1:9712"; empty = off
};

struct Config {
  std::string source;  // the file it was read from, or "built-in default"
  std::string state_dir = "/var/lib/sshd-health";
  std::string log_level = "info";
  SourcesConfig sources;
  RulesConfig rules;
  AuditConfig audit;
  NotifyConfig notify;
  MetricsConfig metrics;
};

/// Whether the journal source runs with this config: on, or auto with a directory set or
/// journald running (/run/systemd/journal exists). The daemon and `scan` both ask this.
bool JournalWanted(const JournalSourceConfig& journal);

/// The built-in default: journald if present, else /var/log/auth.log and /var/log/secure;
/// the shipped rules (or the source tree's rules/ for a binary run from the build tree);
/// a journal notifier.
Config DefaultConfig();

/// Parses a config file. Keys absent from the file take DefaultConfig()'s values.
/// Throws ConfigError.
Config LoadConfig(const std::string& path);

/// What every command does with `-c`: an explicit path must exist; with none, the default
/// path is used when it exists, else DefaultConfig(). Throws ConfigError.
Config LoadConfigOrDefault(const std::optional<std::string>& path);

}  // namespace sshd_health
