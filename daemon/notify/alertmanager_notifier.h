#pragma once
// alertmanager: POSTs a batch to Prometheus Alertmanager's API (<url>/api/v2/alerts) so a
// fleet's alerts are deduplicated and routed centrally. `url:` names one Alertmanager;
// `urls:` an HA pair (or more), each sent every alert as Prometheus does: Alertmanager's
// cluster deduplicates the notifications, and each URL is its own dispatcher lane (own
// spool file, retries and counters), so one that is down delays nothing for the other.
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// The postableAlerts body: labels alertname=<rule>, severity, host and instance (both the
/// alert's host) plus the alert's labels (names made Prometheus-safe); annotations summary, remedy
/// (and description with the evidence); startsAt=first_seen; endsAt = now for a resolved alert, now
/// + `resolve_after` for a firing one (Alertmanager resolves it by itself then unless it fires
/// again).
std::string AlertmanagerBody(const std::vector<Alert>& batch, TimePoint now,
                             Duration resolve_after);

/// One notifier per URL, in list order: the first named like the entry, the others
/// NAME.2, NAME.3, ... Throws ConfigError (file:line:key).
std::vector<std::unique_ptr<Notifier>> MakeAlertmanagerNotifiers(const NotifierConfig& config);
/// The first of MakeAlertmanagerNotifiers (for callers that want one notifier per entry).
std::unique_ptr<Notifier> MakeAlertmanagerNotifier(const NotifierConfig& config);

}  // namespace sshd_health
