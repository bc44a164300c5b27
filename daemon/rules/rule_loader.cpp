#include "rules/rule_loader.h"

namespace sshd_health {

// STUB: implemented by the rules work (issue 2).
std::vector<Rule> LoadRules(const std::vector<std::string>& dirs) {
  (void)dirs;
  return {};
}

std::vector<Rule> LoadRuleFile(const std::string& path) {
  (void)path;
  return {};
}

}  // namespace sshd_health
