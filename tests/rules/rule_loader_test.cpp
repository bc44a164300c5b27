#include "rules/rule_loader.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/yaml_util.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

std::string Write(const std::string& dir, const std::string& name, const std::string& text) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string LoadError(const std::string& path) {
  try {
    LoadRuleFile(path);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string LoadDirsError(const std::vector<std::string>& dirs) {
  try {
    LoadRules(dirs);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kGoodRule = R"(rules:
  - id: test.brute
    description: many failures
    match:
      kinds: [auth_failure, invalid_user]
    group_by: ip
    threshold: 5
    window: 2m
    cooldown: 1h
    severity: critical
    summary: "{count} failures from {ip}"
    remedy: |
      block {ip}
      then relax
)";

// A valid rule with `line` replaced: for one-mistake error tests. Line numbers: id is on
// line 2, match.kinds on line 5.
std::string RuleWith(const std::string& from, const std::string& to) {
  std::string text = kGoodRule;
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

}  // namespace

TEST_CASE("a rule file is loaded with every field", "[rules]") {
  TempDir dir;
  const auto rules = LoadRuleFile(Write(dir.path(), "a.yaml", kGoodRule));
  REQUIRE(rules.size() == 1);
  const Rule& r = rules[0];
  CHECK(r.id == "test.brute");
  CHECK(r.description == "many failures");
  CHECK(r.kinds == std::vector<EventKind>{EventKind::kAuthFailure, EventKind::kInvalidUser});
  CHECK_FALSE(r.regex);
  CHECK(r.group_by == GroupBy::kIp);
  CHECK(r.threshold == 5);
  CHECK(r.window == 2min);
  CHECK(r.cooldown == 1h);
  CHECK(r.severity == Severity::kCritical);
  CHECK(r.summary == "{count} failures from {ip}");
  CHECK(r.remedy == "block {ip}\nthen relax");
  CHECK(r.origin.file == dir.path() + "/a.yaml");
  CHECK(r.origin.line == 2);
}

TEST_CASE("a rule may match on a regex", "[rules]") {
  TempDir dir;
  const auto rules =
      LoadRuleFile(Write(dir.path(), "a.yaml",
                         RuleWith("kinds: [auth_failure, invalid_user]",
                                  "kinds: [auth_failure]\n      regex: 'for (in)?valid user'")));
  REQUIRE(rules.size() == 1);
  REQUIRE(rules[0].regex);
  CHECK(RE2::PartialMatch("Failed password for invalid user x", *rules[0].regex));
}

TEST_CASE("rule file errors name file, line, column and key", "[rules]") {
  TempDir dir;
  const std::string f = dir.path() + "/r.yaml";
  auto error_for = [&](const std::string& text) {
    return LoadError(Write(dir.path(), "r.yaml", text));
  };

  SECTION("unknown key") {
    CHECK(error_for(RuleWith("    group_by: ip", "    group-by: ip")) ==
          f + ":6:5: rules[0].group-by: unknown key (known: id, description, match, group_by, "
              "distinct, per_host, after, first_seen, cancel_on, unless_fired, threshold, "
              "window, cooldown, severity, summary, remedy)");
  }
  SECTION("unknown event kind") {
    const std::string e =
        error_for(RuleWith("[auth_failure, invalid_user]", "[auth_failure, foo]"));
    CHECK(e.rfind(
              f + ":5:29: rules[0].match.kinds[1]: unknown event kind 'foo' (known: auth_failure, "
                  "invalid_user, ",
              0) == 0);
  }
  SECTION("bad regex") {
    CHECK(error_for(RuleWith("kinds: [auth_failure, invalid_user]", "regex: 'a(b'")) ==
          f + ":5:14: rules[0].match.regex: bad regex: missing ): a(b");
  }
  SECTION("bad duration") {
    CHECK(error_for(RuleWith("window: 2m", "window: 2 weeks")) ==
          f + ":8:13: rules[0].window: '2 weeks' has an unknown unit (use ms, s, m, h or d)");
  }
  SECTION("missing id") {
    CHECK(error_for(RuleWith("  - id: test.brute\n    description", "  - description")) ==
          f + ":2:5: rules[0].id: is required");
  }
  SECTION("bad id") {
    CHECK(error_for(RuleWith("id: test.brute", "id: Brute")) ==
          f + ":2:9: rules[0].id: 'Brute' is not a dotted lower-case id (e.g. "
              "sshd.auth.brute_force)");
  }
  SECTION("duplicate id in one file") {
    std::string text = kGoodRule;
    text += std::string(kGoodRule).substr(std::string("rules:\n").size());
    CHECK(error_for(text) ==
          f + ":15:9: rules[1].id: duplicate rule id 'test.brute' (first defined at " + f +
              ":2:9)");
  }
  SECTION("unknown placeholder") {
    CHECK(
        error_for(RuleWith("{count} failures", "{cnt} failures")) ==
        f + ":11:14: rules[0].summary: unknown placeholder '{cnt}' (known: {ip} {user} {port} "
            "{pid} "
            "{detail} {kind} {count} {threshold} {window} {cooldown} {rule} {host} {fingerprint})");
  }
  SECTION("unknown severity") {
    CHECK(
        error_for(RuleWith("severity: critical", "severity: high")) ==
        f + ":10:15: rules[0].severity: unknown severity 'high' (known: info, warning, critical)");
  }
  SECTION("unknown group_by") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: port")) ==
          f + ":6:15: rules[0].group_by: unknown value 'port' (known: none, ip, ip/N, ip/N/M, "
              "user, detail, fingerprint, host, or a list of them)");
  }
  SECTION("threshold out of range") {
    CHECK(error_for(RuleWith("threshold: 5", "threshold: 0")) ==
          f + ":7:16: rules[0].threshold: 0 is out of range (1 to 100000)");
  }
  SECTION("missing match") {
    CHECK(error_for(RuleWith("    match:\n      kinds: [auth_failure, invalid_user]\n", "")) ==
          f + ":2:5: rules[0].match: is required (kinds and/or regex)");
  }
  SECTION("multi-line summary") {
    CHECK(error_for(RuleWith("summary: \"{count} failures from {ip}\"", "summary: \"a\\nb\"")) ==
          f + ":11:14: rules[0].summary: must be one line");
  }
  SECTION("unknown top-level key") {
    CHECK(error_for("rule:\n  - id: x.y\n") == f + ":1:1: rule: unknown key (known: rules)");
  }
  SECTION("YAML syntax error") { CHECK(error_for("rules: [\n").rfind(f + ":", 0) == 0); }
}

TEST_CASE("an empty rule file holds no rules", "[rules]") {
  TempDir dir;
  CHECK(LoadRuleFile(Write(dir.path(), "empty.yaml", "")).empty());
  CHECK(LoadRuleFile(Write(dir.path(), "empty2.yaml", "rules: []\n")).empty());
}

TEST_CASE("rules.d overrides a shipped file of the same name", "[rules]") {
  TempDir dir;
  const std::string shipped = dir.path() + "/shipped";
  const std::string local = dir.path() + "/rules.d";
  Write(shipped, "auth.yaml", kGoodRule);
  Write(shipped, "other.yaml", RuleWith("id: test.brute", "id: test.other"));
  Write(shipped, "README.md", "not a rule file");
  Write(local, "auth.yaml", RuleWith("threshold: 5", "threshold: 50"));
  Write(local, "local.yaml", RuleWith("id: test.brute", "id: local.extra"));

  const auto rules = LoadRules({shipped, local, dir.path() + "/missing"});
  REQUIRE(rules.size() == 3);
  CHECK(rules[0].id == "test.brute");
  CHECK(rules[0].threshold == 50);
  CHECK(rules[0].origin.file == local + "/auth.yaml");
  CHECK(rules[1].id == "local.extra");
  CHECK(rules[2].id == "test.other");
}

TEST_CASE("duplicate ids across files are an error naming both places", "[rules]") {
  TempDir dir;
  const std::string a = Write(dir.path(), "a.yaml", kGoodRule);
  const std::string b = Write(dir.path(), "b.yaml", kGoodRule);
  CHECK(LoadDirsError({dir.path()}) ==
        b + ":2:9: rules[0].id: duplicate rule id 'test.brute' (first defined at " + a + ":2:9)");
}

TEST_CASE("not_regex excludes lines and is checked like regex", "[rules]") {
  TempDir dir;
  const auto rules =
      LoadRuleFile(Write(dir.path(), "a.yaml",
                         RuleWith("kinds: [auth_failure, invalid_user]",
                                  "kinds: [auth_failure]\n      not_regex: 'preauth'")));
  REQUIRE(rules.size() == 1);
  REQUIRE(rules[0].not_regex);
  CHECK_FALSE(rules[0].regex);
  const std::string f = dir.path() + "/b.yaml";
  CHECK(LoadError(Write(dir.path(), "b.yaml",
                        RuleWith("kinds: [auth_failure, invalid_user]", "not_regex: '('"))) ==
        f + ":5:18: rules[0].match.not_regex: bad regex: missing ): (");
}

TEST_CASE("issue 16's keys load: prefixes, several keys, distinct, after, first_seen, cancel_on",
          "[rules]") {
  TempDir dir;
  const auto rules = LoadRuleFile(
      Write(dir.path(), "a.yaml", RuleWith("    group_by: ip\n", R"(    group_by: [user, ip/24]
    distinct: detail
    after: {kinds: [auth_success], within: 2h, min: 3}
    cancel_on: [sshd_stopped]
)")));
  REQUIRE(rules.size() == 1);
  const Rule& r = rules[0];
  CHECK(r.group_by == GroupBy::kNone);
  REQUIRE(r.group_key.size() == 2);
  CHECK(r.group_key[0].field == KeyField::kUser);
  CHECK(r.group_key[1] == KeyPart{KeyField::kIp, 24, 64});
  CHECK(GroupKeyName(r.group_key) == "user, ip/24/64");
  REQUIRE(r.distinct);
  CHECK(r.distinct->field == KeyField::kDetail);
  REQUIRE(r.after);
  CHECK(r.after->kinds == std::vector<EventKind>{EventKind::kAuthSuccess});
  CHECK(r.after->within == 2h);
  CHECK(r.after->min == 3);
  CHECK(r.cancel_on == std::vector<EventKind>{EventKind::kSshdStopped});

  const auto fs =
      LoadRuleFile(Write(dir.path(), "b.yaml", RuleWith("    threshold: 5\n", R"(    threshold: 1
    first_seen: {key: [user, ip/64], remember: 30d, learn: 0s, max_keys: 5000}
)")));
  REQUIRE(fs[0].first_seen);
  CHECK(fs[0].first_seen->key[1] == KeyPart{KeyField::kIp, 32, 64});
  CHECK(fs[0].first_seen->remember == 24h * 30);
  CHECK(fs[0].first_seen->learn == 0s);
  CHECK(fs[0].first_seen->max_keys == 5000);
  CHECK(fs[0].group_by == GroupBy::kIp);  // group_by: ip stays the old one-key rule
}

TEST_CASE("issue 16's keys: every mistake names file:line:col and key", "[rules]") {
  TempDir dir;
  const std::string f = dir.path() + "/bad.yaml";
  auto error_for = [&](const std::string& text) {
    return LoadError(Write(dir.path(), "bad.yaml", text));
  };
  SECTION("bad prefix length") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip/0")) ==
          f + ":6:15: rules[0].group_by: 'ip/0': the prefix length must be 1-32 (IPv4) or 33-128 "
              "(IPv6)");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: user/24")) ==
          f + ":6:15: rules[0].group_by: 'user/24': only ip takes a prefix length");
  }
  SECTION("unless_fired names an unknown rule, or the rule itself") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    unless_fired: [test.nope]")) ==
          f + ":7:19: rules[0].unless_fired: unknown rule id 'test.nope' (no loaded rule has it)");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    unless_fired: test.brute")) ==
          f + ":7:19: rules[0].unless_fired: names the rule itself");
  }
  SECTION("a key listed twice, an unknown key in a list") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: [ip, ip/24]")) ==
          f + ":6:20: rules[0].group_by[1]: 'ip' is listed twice");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: [user, port]")) ==
          f + ":6:22: rules[0].group_by[1]: unknown key 'port' (known: ip, ip/N, ip/N/M, user, "
              "detail, fingerprint, host)");
  }
  SECTION("distinct of the group's own key") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    distinct: ip")) ==
          f + ":7:15: rules[0].distinct: 'ip' is also a group_by key: each group would see one "
              "value");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    distinct: size")) ==
          f + ":7:15: rules[0].distinct: unknown key 'size' (known: ip, ip/N, ip/N/M, user, "
              "detail, fingerprint, host)");
    CHECK(error_for(RuleWith("threshold: 5", "threshold: 5000\n    distinct: user")) ==
          f + ":7:16: rules[0].threshold: with distinct, at most 1000");
  }
  SECTION("after") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    after: {within: 1h}")) ==
          f + ":7:12: rules[0].after: needs kinds: the events that must come before");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    after: {kinds: [auth_failure]}")) ==
          f + ":7:20: rules[0].after.kinds: event kind 'auth_failure' is also in match.kinds");
    CHECK(error_for(RuleWith("group_by: ip",
                             "group_by: ip\n    after: {kinds: [auth_success], min: 0}")) ==
          f + ":7:41: rules[0].after.min: 0 is out of range (1 to 100000)");
    CHECK(error_for(RuleWith("group_by: ip",
                             "group_by: ip\n    after: {kinds: [auth_success], whithin: 1h}")) ==
          f + ":7:36: rules[0].after.whithin: unknown key (known: kinds, within, min)");
  }
  SECTION("first_seen") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    first_seen: {remember: 1d}")) ==
          f + ":7:17: rules[0].first_seen: needs key: what to remember (e.g. [user, ip/24])");
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    first_seen: {key: [user]}")) ==
          f + ":8:16: rules[0].threshold: must be 1 with first_seen: the first sighting fires");
    CHECK(error_for(RuleWith("threshold: 5",
                             "threshold: 1\n    first_seen: {key: user, remember: 0s}")) ==
          f + ":8:39: rules[0].first_seen.remember: must be longer than 0");
  }
  SECTION("cancel_on") {
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    cancel_on: [invalid_user]")) ==
          f + ":7:16: rules[0].cancel_on: event kind 'invalid_user' is also in match.kinds");
    std::string known;
    for (const auto& k : AllEventKinds())
      known += (known.empty() ? "" : ", ") + std::string(k.name);
    CHECK(error_for(RuleWith("group_by: ip", "group_by: ip\n    cancel_on: [nope]")) ==
          f + ":7:17: rules[0].cancel_on[0]: unknown event kind 'nope' (known: " + known + ")");
  }
}

TEST_CASE("per_host: on by default, off for distinct host, an error when it contradicts it",
          "[rules]") {
  TempDir dir;
  const std::string f = dir.path() + "/r.yaml";
  auto load = [&](const std::string& text) {
    return LoadRuleFile(Write(dir.path(), "r.yaml", text));
  };
  CHECK(load(kGoodRule).at(0).per_host);
  CHECK_FALSE(load(RuleWith("group_by: ip", "group_by: ip\n    per_host: false")).at(0).per_host);
  const auto fleet = load(RuleWith("group_by: ip", "group_by: ip\n    distinct: host"));
  CHECK_FALSE(fleet.at(0).per_host);
  REQUIRE(fleet.at(0).distinct);
  CHECK(fleet.at(0).distinct->field == KeyField::kHost);
  const auto keyed = load(RuleWith("group_by: ip", "group_by: [host, ip]"));
  CHECK(keyed.at(0).group_key == GroupKey{KeyPart{KeyField::kHost}, KeyPart{KeyField::kIp}});
  CHECK(LoadError(Write(
            dir.path(), "r.yaml",
            RuleWith("group_by: ip", "group_by: ip\n    distinct: host\n    per_host: true"))) ==
        f + ":8:15: rules[0].per_host: cannot be true with distinct: host (each group would see "
            "one host)");
}
