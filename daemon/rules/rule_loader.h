#pragma once
// Loading rule files: every *.yaml in each directory, in order; a file in a later
// directory replaces the earlier file of the same name (so /etc/sshd-health/rules.d/
// overrides /usr/share/sshd-health/rules/). Errors throw ConfigError naming file, line
// and key.
#include <string>
#include <vector>

#include "rules/rule.h"

namespace sshd_health {

/// Missing directories are skipped. Throws ConfigError on any bad file, or when two
/// rules share an id.
std::vector<Rule> LoadRules(const std::vector<std::string>& dirs);

/// Loads one rule file. Throws ConfigError.
std::vector<Rule> LoadRuleFile(const std::string& path);

}  // namespace sshd_health
