#pragma once
// syslog: syslog(3) with a configurable facility (default authpriv), for hosts whose
// alerts must land in /var/log/syslog or auth.log.
#include <memory>
#include <optional>
#include <string_view>

#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// LOG_AUTHPRIV for "authpriv", LOG_LOCAL0 for "local0", ...; nullopt for anything else.
std::optional<int> ParseSyslogFacility(std::string_view name);

std::unique_ptr<Notifier> MakeSyslogNotifier(const NotifierConfig& config);

}  // namespace sshd_health
