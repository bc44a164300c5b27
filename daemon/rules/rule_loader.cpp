#include "rules/rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <re2/re2.h>

#include "core/text.h"
#include "core/yaml_util.h"
#include "rules/rule_template.h"

namespace sshd_health {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kMaxThreshold = 100'000;
constexpr std::size_t kMaxRegexLength = 4096;

struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

// Errors for nodes YamlMap does not hand out (elements of match.kinds): the same
// "file:line:col: key: message" shape YamlMap::Fail uses.
[[noreturn]] void FailAt(const std::string& file, const YAML::Mark& mark, const std::string& key,
                         const std::string& message) {
  if (mark.is_null()) throw ConfigError(fmt::format("{}: {}: {}", file, key, message));
  throw ConfigError(fmt::format("{}:{}:{}: {}: {}", file, mark.line + 1, mark.column + 1, key, message));
}

// Dotted lower-case: "sshd.maxstartups.drop". At least two parts, each [a-z0-9_]+.
bool IsValidRuleId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '.' || id.back() == '.') return false;
  bool dot = false;
  char prev = 0;
  for (char c : id) {
    if (c == '.') {
      if (prev == '.') return false;
      dot = true;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
    prev = c;
  }
  return dot;
}

std::string KnownKinds() {
  std::string out;
  for (const auto& k : AllEventKinds()) out += fmt::format("{}{}", out.empty() ? "" : ", ", k.name);
  return out;
}

std::vector<EventKind> ReadKinds(const YamlMap& match) {
  std::vector<EventKind> kinds;
  if (!match.Has("kinds")) return kinds;
  YAML::Node node = match.Raw("kinds");
  const std::string key = match.KeyPath("kinds");
  if (node.IsScalar()) {
    // A single kind written without brackets; errors point at the key itself.
    const auto kind = ParseEventKind(node.Scalar());
    if (!kind) {
      match.Fail("kinds", fmt::format("unknown event kind '{}' (known: {})", node.Scalar(), KnownKinds()));
    }
    kinds.push_back(*kind);
    return kinds;
  }
  if (!node.IsSequence()) match.Fail("kinds", "expected a list of event kinds");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string item_key = fmt::format("{}[{}]", key, i);
    if (!item.IsScalar()) FailAt(match.file(), item.Mark(), item_key, "expected an event kind name");
    const auto kind = ParseEventKind(item.Scalar());
    if (!kind) {
      FailAt(match.file(), item.Mark(), item_key,
             fmt::format("unknown event kind '{}' (known: {})", item.Scalar(), KnownKinds()));
    }
    if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) {
      FailAt(match.file(), item.Mark(), item_key, fmt::format("event kind '{}' is listed twice", item.Scalar()));
    }
    kinds.push_back(*kind);
  }
  if (kinds.empty()) match.Fail("kinds", "must list at least one event kind");
  return kinds;
}

std::shared_ptr<const re2::RE2> ReadRegex(const YamlMap& match, const std::string& key) {
  if (!match.Has(key)) return nullptr;
  const std::string pattern = match.String(key, "");
  if (pattern.size() > kMaxRegexLength) {
    match.Fail(key, fmt::format("is longer than {} characters", kMaxRegexLength));
  }
  RE2::Options options;
  options.set_log_errors(false);  // the error goes into the ConfigError instead of stderr
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  if (!re->ok()) match.Fail(key, fmt::format("bad regex: {}", re->error()));
  return re;
}

GroupBy ReadGroupBy(const YamlMap& r) {
  const std::string s = r.String("group_by", "none");
  if (s == "ip") return GroupBy::kIp;
  if (s == "user") return GroupBy::kUser;
  if (s == "none") return GroupBy::kNone;
  r.Fail("group_by", fmt::format("unknown value '{}' (known: ip, user, none)", s));
}

std::string ReadTemplate(const YamlMap& r, const std::string& key, bool one_line) {
  std::string text = r.RequiredString(key);
  // YAML block scalars ("|") end in a newline; the alert should not.
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (one_line && text.find('\n') != std::string::npos) r.Fail(key, "must be one line");
  // Alerts carry the template's text as it is (only the values from log lines are
  // escaped), so it must be text every output can carry.
  for (std::string_view rest = text; !rest.empty();) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    if (EscapeForOutput(line, line.size() + 4) != line) {
      r.Fail(key, "must be UTF-8 text without control characters");
    }
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  auto parsed = RuleTemplate::Parse(text);
  if (!parsed) r.Fail(key, parsed.error().message);
  return text;
}

Rule ReadRule(const YamlMap& r, const std::string& file) {
  r.AllowOnly({"id", "description", "match", "group_by", "threshold", "window", "cooldown", "severity",
               "summary", "remedy"});
  Rule rule;
  rule.id = r.RequiredString("id");
  if (!IsValidRuleId(rule.id)) {
    r.Fail("id", fmt::format("'{}' is not a dotted lower-case id (e.g. sshd.auth.brute_force)", rule.id));
  }
  rule.description = r.RequiredString("description");
  if (rule.description.find('\n') != std::string::npos) r.Fail("description", "must be one line");

  if (!r.Has("match")) r.Fail("match", "is required (kinds and/or regex)");
  const YamlMap match = r.Map("match");
  match.AllowOnly({"kinds", "regex", "not_regex"});
  rule.kinds = ReadKinds(match);
  rule.regex = ReadRegex(match, "regex");
  rule.not_regex = ReadRegex(match, "not_regex");
  if (rule.kinds.empty() && !rule.regex) r.Fail("match", "needs kinds, regex or both");

  rule.group_by = ReadGroupBy(r);
  rule.threshold = static_cast<std::uint32_t>(r.Int("threshold", 1, 1, kMaxThreshold));
  rule.window = r.DurationValue("window", rule.window);
  if (rule.window <= Duration::zero()) r.Fail("window", "must be longer than 0");
  rule.cooldown = r.DurationValue("cooldown", rule.cooldown);
  const std::string severity = r.String("severity", "warning");
  const auto sev = ParseSeverity(severity);
  if (!sev) r.Fail("severity", fmt::format("unknown severity '{}' (known: info, warning, critical)", severity));
  rule.severity = *sev;
  rule.summary = ReadTemplate(r, "summary", true);
  rule.remedy = ReadTemplate(r, "remedy", false);
  rule.origin = {file, r.Raw("id").Mark().line + 1};
  return rule;
}

// Loads `path` into `out`, checking ids against every rule loaded before it.
void LoadInto(const std::string& path, std::map<std::string, Location>& seen, std::vector<Rule>& out) {
  const YamlMap top(LoadYamlFile(path), path, "");
  top.AllowOnly({"rules"});
  for (const YamlMap& r : top.MapList("rules")) {
    Rule rule = ReadRule(r, path);
    const YAML::Mark mark = r.Raw("id").Mark();
    const auto [it, inserted] = seen.emplace(rule.id, Location{path, mark.line + 1, mark.column + 1});
    if (!inserted) {
      r.Fail("id", fmt::format("duplicate rule id '{}' (first defined at {}:{}:{})", rule.id, it->second.file,
                               it->second.line, it->second.column));
    }
    out.push_back(std::move(rule));
  }
}

}  // namespace

std::vector<Rule> LoadRules(const std::vector<std::string>& dirs) {
  // File name -> path; a later directory's file replaces an earlier one of the same name.
  std::map<std::string, std::string> files;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    fs::directory_iterator it(dir, ec);
    if (ec) throw ConfigError(fmt::format("{}: cannot read rules directory: {}", dir, ec.message()));
    for (const auto& entry : it) {
      const fs::path& p = entry.path();
      if (p.extension() != ".yaml") continue;
      if (!entry.is_regular_file(ec)) continue;
      files[p.filename().string()] = p.string();
    }
  }
  std::map<std::string, Location> seen;
  std::vector<Rule> rules;
  for (const auto& [name, path] : files) LoadInto(path, seen, rules);
  return rules;
}

std::vector<Rule> LoadRuleFile(const std::string& path) {
  std::map<std::string, Location> seen;
  std::vector<Rule> rules;
  LoadInto(path, seen, rules);
  return rules;
}

}  // namespace sshd_health
