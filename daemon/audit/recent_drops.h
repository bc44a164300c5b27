#pragma once
// How config.maxstartups learns that connections were dropped: by reading the recent end
// of the logs the daemon is configured to watch (journal and files) through the same
// parser the daemon uses, counting "drop connection #N ... past MaxStartups" lines.
// Both `check` and the scheduler call this before an audit; a self-contained count keeps
// the auditors independent of the daemon's live pipeline.
#include <optional>

#include "core/clock.h"
#include "core/config.h"

namespace sshd_health {

/// Drops logged within `window` before `now`; nullopt when no log source could be read.
/// Reads at most the last 4 MiB of each file and 200000 journal entries.
std::optional<long> CountRecentMaxStartupsDrops(const Config& config, TimePoint now,
                                                Duration window = std::chrono::hours(1));

}  // namespace sshd_health
