#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "app/commands.h"
#include "core/config.h"
#include "core/yaml_util.h"
#include "notify/alert_output.h"
#include "rules/rule_loader.h"

namespace sshd_health {

// Loads everything the daemon would load at start, without starting anything. Unlike the
// other commands (which exit 78 on a config error), validate exits 1: it is a test whose
// answer is "no", not a failure to run.
int RunConfigValidate(const ConfigValidateOptions& options) {
  try {
    const Config config = LoadConfigOrDefault(options.config_path);
    const auto rules = LoadRules(config.rules.paths);
    ValidateNotifiers(config);
    std::string dirs;
    for (const auto& d : config.rules.paths) dirs += (dirs.empty() ? "" : ", ") + d;
    if (dirs.empty()) dirs = "(no rules.paths)";
    std::fputs(fmt::format("OK: config {}, {} rules from {}, {} notifiers\n", config.source,
                           rules.size(), dirs, config.notify.notifiers.size())
                   .c_str(),
               stdout);
    if (rules.empty()) {
      std::fputs(
          "sshd-health: warning: no rule files found; no log line will ever raise an alert\n",
          stderr);
    }
    return 0;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "sshd-health: %s\n", e.what());
    return 1;
  }
}

}  // namespace sshd_health
