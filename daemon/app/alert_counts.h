#pragma once
// AlertCounts: alerts the daemon emitted, per rule, severity and status (and, on a central
// log host, origin host), for sshd_health_alerts_total and
// sshd_health_alerts_resolved_total. Rule ids are bounded by the loaded rules and the
// finding catalogue, never by log text; host label values by HostCounts.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/alert.h"

namespace sshd_health {

struct AlertCount {
  std::string rule;
  Severity severity = Severity::kInfo;
  std::uint64_t firing = 0;
  std::uint64_t resolved = 0;
  std::string host{};  // the label value; empty without metrics.host_label
};

/// Thread-safe: the audit thread's alerts count here too.
class AlertCounts {
 public:
  /// `host`: the alert's host label value (HostCounts::Label), empty for none.
  void Count(const Alert& alert, const std::string& host = "");
  /// Makes (rule, severity[, host]) known at 0, so the first alert is an increase a
  /// PromQL increase() sees rather than a series that starts at 1.
  void Declare(const std::string& rule, Severity severity, const std::string& host = "");
  /// Sorted by rule, then severity, then host.
  std::vector<AlertCount> Snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, Severity, std::string>, AlertCount> counts_;
};

}  // namespace sshd_health
