#include "app/firing_alerts.h"

#include <algorithm>

namespace sshd_health {

void FiringAlerts::Observe(const Alert& alert, TimePoint now, std::optional<Duration> horizon) {
  if (alert.status == AlertStatus::kResolved) {
    by_id_.erase(alert.id);
    return;
  }
  auto it = by_id_.find(alert.id);
  if (it == by_id_.end()) {
    if (by_id_.size() >= kMaxFiring) {
      // A linear scan, at most once per new alert past the bound (an attack wave): kept
      // simple over a second index that every update would have to maintain.
      auto oldest = std::min_element(
          by_id_.begin(), by_id_.end(),
          [](const auto& a, const auto& b) { return a.second.told < b.second.told; });
      by_id_.erase(oldest);
      ++omitted_;
    }
    it = by_id_.emplace(alert.id, Entry{}).first;
    it->second.alert.since = alert.first_seen;
  }
  StatusAlert& a = it->second.alert;
  a.id = alert.id;
  a.rule = alert.rule;
  a.severity = alert.severity;
  a.labels = alert.labels;
  a.summary = alert.summary;
  // A re-fire within one episode repeats its first_seen; a rule's later re-fire may report
  // a later one: the episode began at the earliest.
  a.since = std::min(a.since, alert.first_seen);
  a.last_seen = std::max(a.last_seen, alert.last_seen);
  a.count = alert.count;
  it->second.told = now;
  it->second.horizon = horizon;
}

std::size_t FiringAlerts::Prune(TimePoint now) {
  return std::erase_if(by_id_, [&](const auto& kv) {
    return kv.second.horizon && kv.second.told + *kv.second.horizon < now;
  });
}

std::vector<StatusAlert> FiringAlerts::Now() const {
  std::vector<StatusAlert> out;
  out.reserve(by_id_.size());
  for (const auto& [id, e] : by_id_) out.push_back(e.alert);
  std::sort(out.begin(), out.end(), [](const StatusAlert& a, const StatusAlert& b) {
    return a.since != b.since ? a.since < b.since : a.id < b.id;
  });
  return out;
}

}  // namespace sshd_health
