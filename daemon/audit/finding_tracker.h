#pragma once
// FindingTracker: turns successive audit reports into alerts, so a steady problem alerts
// once. A finding is known by (id, subject):
//   - it appears                  -> one firing alert (rule = finding id)
//   - its severity changes        -> one firing alert with the new severity
//   - it is gone from a later report of a check that ran -> one resolved alert
// Findings of a check that was unknown (could not tell) or not run stay as they were.
// The known set is saved to a JSON file (STATE_DIR/audit_findings.json) after every
// change and loaded at start, so a restarted daemon neither re-fires nor forgets to resolve.
#include <map>
#include <string>

#include "audit/audit_report.h"
#include "core/alert.h"
#include "core/clock.h"

namespace sshd_health {

class FindingTracker {
 public:
  /// `state_path` empty: nothing is persisted. A missing or unreadable file starts empty.
  /// Findings below `min_severity` (audit.alert_min_severity) are not alerted on: they
  /// count as absent, so one known from before (a state file written with a lower
  /// threshold) resolves once.
  explicit FindingTracker(std::string state_path, Severity min_severity = Severity::kInfo);

  /// Emits the alerts for what changed since the last report. Not thread-safe.
  void Update(const AuditReport& report, TimePoint now, AlertSink& sink);

  std::size_t active() const { return known_.size(); }
  /// The last error saving the state file, empty when fine.
  const std::string& save_error() const { return save_error_; }

  /// The alert a finding of `check` turns into.
  static Alert MakeAlert(const Finding& finding, const std::string& check, AlertStatus status,
                         TimePoint first_seen, TimePoint now);

 private:
  struct Known {
    Finding finding;
    std::string check;
    TimePoint first_seen;
  };
  void Load();
  void Save();

  std::string state_path_;
  Severity min_severity_;
  std::map<std::string, Known> known_;  // key: id + '\n' + subject
  std::string save_error_;
};

}  // namespace sshd_health
