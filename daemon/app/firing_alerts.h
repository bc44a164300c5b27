#pragma once
// FiringAlerts: the alerts firing now, as `sshd-health status` lists them. Fed with every
// alert the daemon emits (rules, audits, its own): a firing one adds or updates its id, a
// resolved one removes it. Some firings never get a resolved alert - a rule group evicted
// at max_groups, the storm guard's summary, groups of a rule a reload changed or removed -
// so Prune drops what its producer would have refreshed or resolved by now, and the table
// is bounded (kMaxFiring; the ones least recently told are dropped first, and counted).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/status_snapshot.h"
#include "core/alert.h"
#include "core/clock.h"

namespace sshd_health {

/// Not thread-safe: the daemon's event loop owns it.
class FiringAlerts {
 public:
  static constexpr std::size_t kMaxFiring = 500;

  /// `now` is when the alert was told (wall clock), not its event time: what Prune ages
  /// by. `horizon`: how long after it was told a firing alert is surely over if nothing
  /// told it again (a rule's: refreshed once per cooldown while active, resolved after a
  /// quiet cooldown); nullopt: kept until resolved (audit findings, the daemon's own).
  void Observe(const Alert& alert, TimePoint now, std::optional<Duration> horizon);

  /// Drops the alerts past their horizon as of `now`; returns how many.
  std::size_t Prune(TimePoint now);

  /// Firing alerts, oldest (by since) first.
  std::vector<StatusAlert> Now() const;
  /// Alerts dropped since start to stay within kMaxFiring while they may still have fired.
  std::uint64_t omitted() const { return omitted_; }
  std::size_t size() const { return by_id_.size(); }

 private:
  struct Entry {
    StatusAlert alert;
    TimePoint told{};
    std::optional<Duration> horizon;
  };
  std::unordered_map<std::string, Entry> by_id_;
  std::uint64_t omitted_ = 0;
};

}  // namespace sshd_health
