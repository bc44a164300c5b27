// `sshd-health check`: every audit once, printed as text or JSON, exit status as a
// Nagios/Icinga plugin.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/recent_drops.h"
#include "audit/audit_report.h"
#include "audit/real_host.h"
#include "core/config.h"

namespace sshd_health {

int RunCheck(const CheckOptions& options) {
  for (const auto& name : options.only) {
    const auto& names = AllCheckNames();
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      std::string known;
      for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
      std::fprintf(stderr, "sshd-health: unknown check '%s' (known: %s)\n", name.c_str(),
                   known.c_str());
      return NagiosExitCode(CheckStatus::kUnknown);
    }
  }
  const Config config = LoadConfigOrDefault(options.config_path);
  AuditSettings settings = AuditSettingsFromConfig(config);
  if (options.sshd_config) settings.sshd_config = *options.sshd_config;
  // Only the checks that use them pay for reading the logs' recent end.
  auto wants = [&](const char* check) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), check) != options.only.end();
  };
  if (wants("config") || wants("vulnerabilities")) {
    const RecentLogCounts seen = CountRecentLogEvents(config, SystemClock::now());
    settings.recent_maxstartups_drops = seen.maxstartups_drops;
    settings.recent_grace_timeouts = seen.grace_timeouts;
  }

  RealHost host;
  const AuditReport report = RunAudit(host, settings, options.only);
  if (options.format == OutputFormat::kJson) {
    std::cout << AuditReportToJson(report).dump(2, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << AuditReportToText(report);
  }
  std::cout.flush();
  return NagiosExitCode(report.status);
}

}  // namespace sshd_health
