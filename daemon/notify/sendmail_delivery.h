#pragma once
// Handing one message to the local MTA: `sendmail -t -oi` (recipients from the headers,
// a lone "." is not the end), exec'd directly, never through a shell.
#include <string>

#include "core/clock.h"
#include "notify/notifier.h"

namespace sshd_health {

/// Runs `path -t -oi` with `message` on stdin. Exit 0 is delivered; EX_TEMPFAIL (75), no
/// start, a signal or the deadline is retried; any other status is permanent, with the
/// start of sendmail's stderr in the reason. Blocks the calling thread up to `timeout`.
/// REQUIRES: path is absolute (checked at config load).
DeliveryResult SendWithSendmail(const std::string& path, const std::string& message,
                                Duration timeout);

}  // namespace sshd_health
