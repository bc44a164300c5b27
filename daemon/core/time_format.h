#pragma once
// RFC 3339 timestamps, as every JSON output and email shows them.
#include <string>

#include "core/clock.h"

namespace sshd_health {

/// "2026-11-21T16:31:02Z", or with microseconds ("2026-11-21T16:31:02.123456Z") when
/// the time has a sub-second part. Always UTC.
std::string FormatRfc3339(TimePoint t);

}  // namespace sshd_health
