#pragma once
// The one place that knows every notifier type: adding a type is one new file plus one
// case in MakeNotifier.
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// Types MakeNotifier knows, for error messages and docs.
inline constexpr const char* kNotifierTypes[] = {"journal", "syslog",  "stdout",
                                                 "email",   "webhook", "alertmanager"};

/// Builds the notifier for one notify.notifiers[] entry (reads its secret files).
/// Throws ConfigError naming file, line and key for an unknown type, an unknown or bad
/// key, or an unreadable secret.
std::unique_ptr<Notifier> MakeNotifier(const NotifierConfig& config);

/// The delivery lanes of one entry: one notifier for most types; for an alertmanager
/// entry with several `urls`, one per URL (the first named NAME, the others NAME.2, NAME.3, ... in
/// list order), so the dispatcher spools, retries and counts each on its own and a dead
/// Alertmanager neither delays nor duplicates what its peer gets. Throws ConfigError as
/// MakeNotifier does.
std::vector<std::unique_ptr<Notifier>> MakeNotifiers(const NotifierConfig& config);

}  // namespace sshd_health
