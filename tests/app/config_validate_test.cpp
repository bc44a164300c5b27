// `sshd-health config validate`: the real binary against real files.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "subprocess.h"
#include "temp_dir.h"

namespace {

// tests/data -> the source tree's rules/.
const std::string kShippedRules =
    (std::filesystem::path(SSHD_HEALTH_TEST_DATA).parent_path().parent_path() / "rules").string();

using Outcome = test::CommandOutput;

Outcome Validate(const TempDir&, const std::string& config_path) {
  return test::RunCommand({SSHD_HEALTH_BINARY, "config", "validate", "-c", config_path});
}

}  // namespace

TEST_CASE("config validate accepts the shipped rules and says what it loaded", "[app]") {
  TempDir dir;
  const std::string config = dir.path() + "/config.yaml";
  test::WriteFile(config,
                  "rules: { paths: [" + kShippedRules + ", " + dir.path() + "/rules.d] }\n");
  const Outcome o = Validate(dir, config);
  CHECK(o.exit_code == 0);
  CHECK(o.out.rfind("OK: config " + config + ", ", 0) == 0);
  CHECK(o.out.find(" rules from " + kShippedRules + ", " + dir.path() + "/rules.d, ") !=
        std::string::npos);
  CHECK(o.out.find(" notifiers\n") != std::string::npos);
}

TEST_CASE("config validate names file, line and key of a bad rule and exits 1", "[app]") {
  TempDir dir;
  const std::string rules_d = dir.path() + "/rules.d";
  std::filesystem::create_directories(rules_d);
  test::WriteFile(rules_d + "/local.yaml",
                  "rules:\n"
                  "  - id: local.test\n"
                  "    description: x\n"
                  "    match: { kinds: [auth_failure] }\n"
                  "    window: soon\n"
                  "    summary: s\n"
                  "    remedy: r\n");
  const std::string config = dir.path() + "/config.yaml";
  test::WriteFile(config, "rules: { paths: [" + rules_d + "] }\n");
  const Outcome o = Validate(dir, config);
  CHECK(o.exit_code == 1);
  CHECK(o.out.empty());
  CHECK(o.err == "sshd-health: " + rules_d +
                     "/local.yaml:5:13: rules[0].window: 'soon' is not a duration (use e.g. 500ms, "
                     "30s, 5m, 1h, "
                     "2d)\n");
}

TEST_CASE("config validate names file, line and key of a bad config and exits 1", "[app]") {
  TempDir dir;
  const std::string config = dir.path() + "/config.yaml";
  test::WriteFile(config, "rules: { paths: [/nonexistent] }\nstate_dri: /x\n");
  const Outcome o = Validate(dir, config);
  CHECK(o.exit_code == 1);
  CHECK(o.err.rfind("sshd-health: " + config + ":2:1: state_dri: unknown key", 0) == 0);
}

TEST_CASE("config validate rejects a bad audit.alert_min_severity with file, line and key",
          "[app]") {
  TempDir dir;
  const std::string config = dir.path() + "/config.yaml";
  test::WriteFile(config, "audit:\n  enabled: true\n  alert_min_severity: loud\n");
  const Outcome o = Validate(dir, config);
  CHECK(o.exit_code == 1);
  CHECK(o.err == "sshd-health: " + config +
                     ":3:23: audit.alert_min_severity: expected info, warning or critical\n");
}
