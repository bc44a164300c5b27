#include "app/scan_alert_collector.h"

#include <algorithm>

namespace sshd_health {

void ScanAlertCollector::EmitOwned(Alert&& alert) {
  ++emitted_;
  const auto hash = static_cast<std::uint32_t>(KeyHash(alert.id));
  const std::uint32_t index =
      by_id_.Find(hash, [&](std::uint32_t i) { return alerts_[i].id == alert.id; });
  if (index == HashIndex::kNone) {
    by_id_.Insert(hash, static_cast<std::uint32_t>(alerts_.size()));
    tallies_.push_back(Tally{0, alert.count});
    alerts_.push_back(std::move(alert));
    return;
  }
  Tally& tally = tallies_[index];
  Alert& merged = alerts_[index];
  if (alert.status == AlertStatus::kFiring) {
    // A new episode: after a resolve, or a re-fire once the cooldown passed.
    tally.before_episode += tally.episode;
    tally.episode = alert.count;
  } else {
    tally.episode = std::max(tally.episode, alert.count);
  }
  merged.count = tally.before_episode + tally.episode;
  merged.status = alert.status;
  merged.first_seen = std::min(merged.first_seen, alert.first_seen);
  merged.last_seen = std::max(merged.last_seen, alert.last_seen);
  merged.severity = std::max(merged.severity, alert.severity);
  for (const std::string& line : alert.evidence) {
    if (merged.evidence.size() >= kMaxEvidence) break;
    if (std::find(merged.evidence.begin(), merged.evidence.end(), line) == merged.evidence.end()) {
      merged.evidence.push_back(line);
    }
  }
}

}  // namespace sshd_health
