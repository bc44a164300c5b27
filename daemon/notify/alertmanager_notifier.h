#pragma once
// alertmanager: POSTs a batch to Prometheus Alertmanager's API (<url>/api/v2/alerts) so a
// fleet's alerts are deduplicated and routed centrally.
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// The postableAlerts body: labels alertname=<rule>, severity, instance=<host> plus the
/// alert's labels (names made Prometheus-safe); annotations summary, remedy (and
/// description with the evidence); startsAt=first_seen; endsAt = now for a resolved alert,
/// now + `resolve_after` for a firing one (Alertmanager resolves it by itself then unless
/// it fires again).
std::string AlertmanagerBody(const std::vector<Alert>& batch, TimePoint now,
                             Duration resolve_after);

std::unique_ptr<Notifier> MakeAlertmanagerNotifier(const NotifierConfig& config);

}  // namespace sshd_health
