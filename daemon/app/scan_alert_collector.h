#pragma once
// ScanAlertCollector: what a one-shot scan reports. The rules engine emits alerts the way
// the daemon needs them (fire, stay quiet for the cooldown, fire again, resolve); an admin
// reading a scan of last week's log wants each problem once: one record per alert id with
// the total count, the first and last time it was seen, and its final status.
#include <cstdint>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/hash_index.h"

namespace sshd_health {

/// Not thread-safe (scan's loop feeds it).
class ScanAlertCollector final : public AlertSink {
 public:
  /// Merges `alert` into the record of its id. A firing alert after an earlier episode
  /// adds its count; a resolved one sets the status and may raise its episode's count
  /// (engines may report the episode's total on resolve).
  void Emit(const Alert& alert) override { EmitOwned(Alert(alert)); }
  /// The same, keeping the alert's own strings when its id is new.
  void EmitOwned(Alert&& alert) override;

  /// One alert per id, in the order each id first fired.
  const std::vector<Alert>& alerts() const { return alerts_; }
  /// Alerts the engine emitted before merging.
  std::uint64_t emitted() const { return emitted_; }

 private:
  struct Tally {
    std::uint64_t before_episode = 0;  // count of earlier episodes
    std::uint64_t episode = 0;         // count of the latest episode
  };
  std::vector<Alert> alerts_;
  std::vector<Tally> tallies_;  // same order as alerts_
  HashIndex by_id_;             // alert id -> index in alerts_
  std::uint64_t emitted_ = 0;
};

}  // namespace sshd_health
