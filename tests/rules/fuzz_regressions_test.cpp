// Inputs rule_loader_fuzz found (tests/fuzz/), pinned.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/yaml_util.h"
#include "rules/rule_loader.h"
#include "temp_dir.h"

using namespace sshd_health;

namespace {

std::string LoadError(const std::string& dir, const std::string& text) {
  const std::string path = dir + "/r.yaml";
  std::ofstream(path) << text;
  try {
    LoadRuleFile(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string RuleText(const std::string& summary, const std::string& remedy_line) {
  return "rules:\n  - id: test.x\n    description: d\n    match:\n      kinds: [auth_failure]\n"
         "    summary: \"" +
         summary + "\"\n    remedy: |\n      first line\n      " + remedy_line + "\n";
}

}  // namespace

// rule_loader_fuzz: a remedy with a byte that is not UTF-8 loaded, and every alert of the
// rule carried it raw to the text, email and Slack outputs (only values from log lines
// are escaped, not the template).
TEST_CASE("a rule template that is not UTF-8 text is refused at load", "[rules]") {
  TempDir dir;
  CHECK(LoadError(dir.path(), RuleText("{count} from {ip}", "soften the penaltie\x8b here")) ==
        dir.path() +
            "/r.yaml:7:13: rules[0].remedy: must be UTF-8 text without control characters");
  CHECK(LoadError(dir.path(), RuleText("bell \\a from {ip}", "ok"))
            .find("rules[0].summary: must be UTF-8 text without control characters") !=
        std::string::npos);
  // Multi-line remedies and non-ASCII text stay fine.
  CHECK(LoadError(dir.path(), RuleText("{count} échecs depuis {ip}",
                                       "puis systemctl reload ssh")) == "(no error)");
}
