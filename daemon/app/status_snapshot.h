#pragma once
// StatusSnapshot: what the running daemon sees now - its sources and how far each has
// read, the alerts firing, the last audit, each notifier's queues - as `sshd-health
// status` shows it. The daemon builds one on its event loop and writes it as JSON to its
// status file (app/status_file.h); `status` reads it back. The JSON shape is a contract
// for other tools (docs/status.md): StatusToJson and StatusFromJson are its one home.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_report.h"
#include "core/clock.h"
#include "core/result.h"
#include "core/severity.h"
#include "notify/alert_output.h"
#include "sources/log_source.h"

namespace sshd_health {

inline constexpr int kStatusSchema = 1;

struct StatusDaemon {
  pid_t pid = 0;
  /// The process's start time in clock ticks since boot (/proc/PID/stat field 22): with
  /// the pid, it names this process; a pid reused after a crash has another.
  std::uint64_t pid_start_ticks = 0;
  std::string version;
  TimePoint started{};
  std::string config;  // the config file, or "built-in default"
  TimePoint written{};
  /// The daemon rewrites the file at least this often, changed or not: a file much older
  /// is from a daemon that no longer runs its loop.
  Duration heartbeat{};
};

struct StatusSource {
  std::string name;  // "journal", "file /var/log/auth.log"
  std::string kind;  // "file" or "journal"
  std::string path;  // the file, or the journal directory ("" = the system journal)
  bool open = false;
  std::uint64_t inode = 0;  // file
  std::int64_t offset = 0;  // file: after the last complete line read
  std::string cursor;       // journal
  std::uint64_t files = 0;  // glob: files matching now
  std::uint64_t lines = 0;  // records read since start
  TimePoint last_line{};    // epoch: none read since start
};

struct StatusAlert {
  std::string id;
  std::string rule;
  Severity severity = Severity::kInfo;
  std::map<std::string, std::string> labels;
  std::string summary;
  TimePoint since{};      // the alert's first_seen
  TimePoint last_seen{};  // the latest event it counted
  std::uint64_t count = 0;
};

struct StatusCheck {
  std::string check;   // "config", "host_keys", ...
  std::string status;  // "ok", "warning", "critical", "unknown"
  std::string summary;
  std::size_t findings = 0;
};

struct StatusAudit {
  TimePoint at{};
  std::string status;
  std::vector<StatusCheck> checks;
};

struct StatusNotifier {
  std::string name;
  std::string type;
  std::uint64_t queued = 0;
  std::uint64_t spooled = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t dropped = 0;
  std::string last_error;  // empty: none since start
  TimePoint last_error_at{};
  TimePoint last_delivered_at{};
};

struct StatusSnapshot {
  StatusDaemon daemon;
  std::vector<StatusSource> sources;
  std::vector<StatusAlert> firing;   // oldest first
  std::uint64_t firing_omitted = 0;  // since start: left out past FiringAlerts' bound
  std::optional<StatusAudit> audit;  // none: no audit has finished yet (or audits are off)
  std::vector<StatusNotifier> notifiers;
};

/// The pieces, from what the daemon's parts report.
StatusSource SourceStatus(const std::string& name, const SourceStats& stats,
                          const SourcePosition& position);
/// Each check with a one-line summary: its worst finding, or its detail when it has none.
StatusAudit AuditStatus(const AuditReport& report, TimePoint at);
StatusNotifier NotifierStatus(const NotifierStats& stats);

/// The documented shape (docs/status.md). Every string from a log line or a receiver
/// is escaped (core/text.h), so the JSON is valid UTF-8 whatever the bytes were.
nlohmann::json StatusToJson(const StatusSnapshot& snapshot);
/// The inverse; an error names the missing or mistyped field.
Result<StatusSnapshot> StatusFromJson(const nlohmann::json& j);

/// The admin's view: daemon, sources, firing alerts, last audit, notifiers; times shown
/// as RFC 3339 with their age as of `now`. Hostile text is escaped again here: the file
/// is root-only, but the terminal is not the place to trust it.
std::string StatusToText(const StatusSnapshot& snapshot, TimePoint now);

}  // namespace sshd_health
