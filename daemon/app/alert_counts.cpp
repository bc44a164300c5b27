#include "app/alert_counts.h"

namespace sshd_health {

void AlertCounts::Count(const Alert& alert) {
  std::lock_guard lock(mutex_);
  AlertCount& c = counts_[{alert.rule, alert.severity}];
  c.rule = alert.rule;
  c.severity = alert.severity;
  ++(alert.status == AlertStatus::kResolved ? c.resolved : c.firing);
}

void AlertCounts::Declare(const std::string& rule, Severity severity) {
  std::lock_guard lock(mutex_);
  AlertCount& c = counts_[{rule, severity}];
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
