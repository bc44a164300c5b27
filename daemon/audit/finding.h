#pragma once
// Finding: one problem an auditor found; CheckReport: one check's outcome. Finding ids
// (e.g. "host_key.mode") are contracts; their one-line meanings live in the audit
// catalogue.
#include <string>
#include <vector>

#include "core/severity.h"

namespace sshd_health {

struct Finding {
  std::string id;  // "host_key.mode"
  Severity severity = Severity::kWarning;
  std::string subject;  // the exact thing: a path, an algorithm, an address:port
  std::string summary;  // one line
  std::string remedy;   // commands to run
};

struct CheckReport {
  std::string check;  // "config", "host_keys", "stale_libraries", "liveness", "fail2ban"
  CheckStatus status = CheckStatus::kOk;
  std::vector<Finding> findings;
  std::string detail;  // e.g. which config source was used, banner and latency; or why unknown
};

}  // namespace sshd_health
