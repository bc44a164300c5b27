#pragma once
// Severity of alerts and findings, and the status of a check (which adds ok and unknown).
#include <optional>
#include <string_view>

namespace sshd_health {

enum class Severity { kInfo = 0, kWarning = 1, kCritical = 2 };

/// "info", "warning", "critical".
std::string_view SeverityName(Severity s);
/// Inverse of SeverityName; nullopt for anything else.
std::optional<Severity> ParseSeverity(std::string_view name);

/// Status of a check or of a whole check report, ordered so that max() combines them
/// the way Nagios does (unknown only wins over ok).
enum class CheckStatus { kOk = 0, kUnknown = 1, kWarning = 2, kCritical = 3 };

std::string_view CheckStatusName(CheckStatus s);  // "ok", "unknown", "warning", "critical"
/// Nagios/Icinga plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
int NagiosExitCode(CheckStatus s);
/// The check status a finding of this severity implies (info -> ok).
CheckStatus StatusForSeverity(Severity s);

}  // namespace sshd_health
