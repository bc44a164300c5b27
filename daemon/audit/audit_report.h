#pragma once
// Running a set of checks once and presenting the result: the report `check` prints
// (DESIGN.md "Check report") and the scheduler feeds to its FindingTracker.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "audit/check.h"
#include "audit/finding.h"

namespace sshd_health {

struct AuditReport {
  CheckStatus status = CheckStatus::kOk;
  std::vector<CheckReport> checks;
};

/// Gathers the sshd facts, runs the named checks (all when `only` is empty) in report
/// order. REQUIRES: every name in `only` is in AllCheckNames().
AuditReport RunAudit(const HostView& host, const AuditSettings& settings,
                     const std::vector<std::string>& only = {});

/// {"status", "checks": [{"check", "status", "detail", "findings": [{"id", "severity",
/// "subject", "summary", "remedy"}]}]}; every string escaped for output.
nlohmann::json AuditReportToJson(const AuditReport& report);

/// First line Nagios style ("SSHD-HEALTH CRITICAL - 2 critical, 1 warning | critical=2
/// warning=1 info=0 unknown=0"), then one block per check.
std::string AuditReportToText(const AuditReport& report);

}  // namespace sshd_health
