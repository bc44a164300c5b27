#pragma once
// journal: each alert is one structured journal entry (sd_journal_send), so
// `journalctl -t sshd-health` and `journalctl SSHD_HEALTH_RULE=sshd.maxstartups.drop` work.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

using JournalField = std::pair<std::string, std::string>;  // NAME, value

/// The journal fields of one alert, in order: MESSAGE, PRIORITY (critical 2, warning 4,
/// info 6), SYSLOG_IDENTIFIER=sshd-health, SSHD_HEALTH_RULE, _ID, _SEVERITY, _STATUS,
/// _HOST, _SUMMARY, _REMEDY, _COUNT, _FIRST_SEEN, _LAST_SEEN, one SSHD_HEALTH_<LABEL> per
/// label (upper-cased, other characters as '_': ip -> SSHD_HEALTH_IP) and one
/// SSHD_HEALTH_EVIDENCE per evidence line. Pure: the notifier sends exactly these.
std::vector<JournalField> JournalFields(const Alert& alert);

/// Journal priority (syslog level) for a severity: critical 2, warning 4, info 6.
int SeverityPriority(Severity severity);

/// One line for MESSAGE and syslog: "CRITICAL sshd.maxstartups.drop: summary (ip=...)".
std::string AlertMessageLine(const Alert& alert);

std::unique_ptr<Notifier> MakeJournalNotifier(const NotifierConfig& config);

}  // namespace sshd_health
