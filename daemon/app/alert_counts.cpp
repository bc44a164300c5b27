#include "app/alert_counts.h"

namespace sshd_health {

void AlertCounts::Count(const Alert& alert, const std::string& host) {
  std::lock_guard lock(mutex_);
  AlertCount& c = counts_[{alert.rule, alert.severity, host}];
  c.host = host;
  c.rule = alert.rule;
  c.severity = alert.severity;
  ++(alert.status == AlertStatus::kResolved ? c.resolved : c.firing);
}

void AlertCounts::Declare(const std::string& rule, Severity severity, const std::string& host) {
  std::lock_guard lock(mutex_);
  AlertCount& c = counts_[{rule, severity, host}];
  c.host = host;
  c.rule = rule;
  c.severity = severity;
}

std::vector<AlertCount> AlertCounts::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<AlertCount> out;
  out.reserve(counts_.size());
  for (const auto& [key, c] : counts_) out.push_back(c);
  return out;
}

}  // namespace sshd_health
