#pragma once
// The daemon's configuration: /etc/sshd-health/config.yaml, or a built-in default that
// works on a stock Debian or RHEL box. Shape and key names are a contract (DESIGN.md).
// Loading throws ConfigError ("file:line:col: key: message"); a running daemon that fails
// to reload keeps its old Config. Every struct compares with a defaulted ==, so a reload
// decides what changed by comparing sections: a field added later cannot be forgotten.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/severity.h"

namespace sshd_health {

inline constexpr const char* kDefaultConfigPath = "/etc/sshd-health/config.yaml";

enum class Tristate { kAuto, kOn, kOff };

struct JournalSourceConfig {
  Tristate enabled = Tristate::kAuto;  // auto: on when /run/systemd/journal exists
  std::string directory;               // read journal files here instead of the system journal
  enum class Start { kTail, kHead } start = Start::kTail;  // first start without a cursor

  bool operator==(const JournalSourceConfig&) const = default;
};

struct FileSourceConfig {
  std::string path;

  bool operator==(const FileSourceConfig&) const = default;
};

struct SourcesConfig {
  JournalSourceConfig journal;
  std::vector<FileSourceConfig> files;

  bool operator==(const SourcesConfig&) const = default;
};

struct RulesConfig {
  /// Directories of *.yaml rule files, in order; a later directory's file of the same
  /// name replaces an earlier one's (rules.d overrides the shipped rules).
  std::vector<std::string> paths;

  bool operator==(const RulesConfig&) const = default;
};

struct ProbeConfig {
  std::string address = "auto";  // auto: from ListenAddress of the effective config
  int port = 0;                  // 0 = auto: from Port of the effective config
  Duration timeout = std::chrono::seconds(5);

  bool operator==(const ProbeConfig&) const = default;
};

struct AuditConfig {
  bool enabled = true;
  Duration interval = std::chrono::minutes(5);
  std::string sshd_binary = "/usr/sbin/sshd";
  std::string sshd_config = "/etc/ssh/sshd_config";
  ProbeConfig probe;
  /// The daemon alerts on findings from this severity up (`check` lists them all), so a
  /// stock box's info findings (OpenSSH's own default MACs, ...) send nothing.
  Severity alert_min_severity = Severity::kWarning;

  bool operator==(const AuditConfig&) const = default;
};

/// A YAML node compared by what it holds: YAML::Node's own == asks whether two nodes are
/// the same object, and a reload reads the file into new ones every time. It keeps the
/// node's marks, so errors found later still name file and line.
class YamlContent : public YAML::Node {
 public:
  YamlContent() = default;
  YamlContent(YAML::Node node)
      : YAML::Node(std::move(node)) {}  // implicit: a drop-in for YAML::Node
  friend bool operator==(const YamlContent& a, const YamlContent& b);
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
  YamlContent options;  // the whole mapping of this notifier
  std::string file;     // config file it came from
  std::string path;     // "notify.notifiers[2]"

  bool operator==(const NotifierConfig&) const = default;
};

/// Keys every notifier entry may have; MakeNotifier adds its own type's keys.
inline constexpr const char* kCommonNotifierKeys[] = {"name", "type", "min_severity", "rules"};

struct NotifyConfig {
  Duration dedup_window = std::chrono::minutes(10);
  Duration group_wait = std::chrono::seconds(10);
  long spool_max =
      10000;             // alerts kept for delivery per notifier; beyond that, dropped and counted
  long rate_limit = 30;  // deliveries (batches) per notifier per minute; 0 = unlimited;
                         // a notifier entry's own `rate_limit:` overrides it
  std::vector<NotifierConfig> notifiers;

  bool operator==(const NotifyConfig&) const = default;
};

struct MetricsConfig {
  std::string listen;  // "127.0.0.1:9712"; empty = off
  /// The same text written atomically for node_exporter's textfile collector, e.g.
  /// /var/lib/prometheus/node-exporter/sshd-health.prom; empty = off.
  std::string textfile;
  /// `host` on the per-line counters (events, lines not understood, drops, penalties,
  /// alerts): "auto" (on when a file source is a pattern or the journal source reads a
  /// directory: a central log host), "true" or "false". Fixed for the process's life: a
  /// series' labels must not change, so a reload keeps the value the daemon started with.
  std::string host_label = "auto";

  bool operator==(const MetricsConfig&) const = default;
};

struct Config {
  std::string source;  // the file it was read from, or "built-in default"
  std::string state_dir = "/var/lib/sshd-health";
  /// Where the daemon keeps what `sshd-health status` shows (app/status_file.h): in the
  /// unit's RuntimeDirectory, so it is gone after a reboot.
  std::string status_file = "/run/sshd-health/status.json";
  std::string log_level = "info";
  SourcesConfig sources;
  RulesConfig rules;
  AuditConfig audit;
  NotifyConfig notify;
  MetricsConfig metrics;

  bool operator==(const Config&) const = default;
};

/// The built-in default: journald if present, else /var/log/auth.log and /var/log/secure;
/// the shipped rules (or the source tree's rules/ for a binary run from the build tree);
/// a journal notifier.
Config DefaultConfig();

/// DATADIR/`subdir` ("rules"), or the source tree's `subdir` for a
/// binary run from the build tree.
std::string ShippedDataDir(const std::string& subdir);

/// Parses a config file. Keys absent from the file take DefaultConfig()'s values.
/// Throws ConfigError.
Config LoadConfig(const std::string& path);

/// What every command does with `-c`: an explicit path must exist; with none, the default
/// path is used when it exists, else DefaultConfig(). Throws ConfigError.
Config LoadConfigOrDefault(const std::optional<std::string>& path);

}  // namespace sshd_health
