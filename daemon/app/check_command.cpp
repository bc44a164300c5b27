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
  const bool wants_config =
      options.only.empty() ||
      std::find(options.only.begin(), options.only.end(), "config") != options.only.end();
  if (wants_config)
    settings.recent_maxstartups_drops = CountRecentMaxStartupsDrops(config, SystemClock::now());

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
