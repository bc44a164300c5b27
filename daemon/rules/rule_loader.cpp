#include "rules/rule_loader.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "core/text.h"
#include "core/yaml_util.h"
#include "rules/rule_template.h"

namespace sshd_health {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kMaxThreshold = 100'000;
constexpr std::size_t kMaxRegexLength = 4096;
// A distinct rule keeps one value per distinct value up to its threshold: bounded.
constexpr std::uint32_t kMaxDistinct = 1000;

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
  throw ConfigError(
      fmt::format("{}:{}:{}: {}: {}", file, mark.line + 1, mark.column + 1, key, message));
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

// `name` of `match` (match.kinds, after.kinds, cancel_on): a kind or a list of kinds.
std::vector<EventKind> ReadKinds(const YamlMap& match, const std::string& name = "kinds") {
  std::vector<EventKind> kinds;
  if (!match.Has(name)) return kinds;
  YAML::Node node = match.Raw(name);
  const std::string key = match.KeyPath(name);
  if (node.IsScalar()) {
    // A single kind written without brackets; errors point at the key itself.
    const auto kind = ParseEventKind(node.Scalar());
    if (!kind) {
      match.Fail(name,
                 fmt::format("unknown event kind '{}' (known: {})", node.Scalar(), KnownKinds()));
    }
    kinds.push_back(*kind);
    return kinds;
  }
  if (!node.IsSequence()) match.Fail(name, "expected a list of event kinds");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string item_key = fmt::format("{}[{}]", key, i);
    if (!item.IsScalar())
      FailAt(match.file(), item.Mark(), item_key, "expected an event kind name");
    const auto kind = ParseEventKind(item.Scalar());
    if (!kind) {
      FailAt(match.file(), item.Mark(), item_key,
             fmt::format("unknown event kind '{}' (known: {})", item.Scalar(), KnownKinds()));
    }
    if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) {
      FailAt(match.file(), item.Mark(), item_key,
             fmt::format("event kind '{}' is listed twice", item.Scalar()));
    }
    kinds.push_back(*kind);
  }
  if (kinds.empty()) match.Fail(name, "must list at least one event kind");
  return kinds;
}

// The first kind of `kinds` that `others` has too, or nullopt.
std::optional<EventKind> Overlap(const std::vector<EventKind>& kinds,
                                 const std::vector<EventKind>& others) {
  for (EventKind k : kinds) {
    if (std::find(others.begin(), others.end(), k) != others.end()) return k;
  }
  return std::nullopt;
}

// `name` of `m`: one key part or a list of them (group_by, first_seen.key).
GroupKey ReadGroupKey(const YamlMap& m, const std::string& name) {
  GroupKey key;
  const YAML::Node node = m.Raw(name);
  std::string error;
  if (node.IsScalar()) {
    const auto part = ParseKeyPart(node.Scalar(), error);
    if (!part) m.Fail(name, error);
    key.push_back(*part);
    return key;
  }
  if (!node.IsSequence()) m.Fail(name, "expected a key or a list of keys (e.g. [user, ip/24])");
  const std::string path = m.KeyPath(name);
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string item_key = fmt::format("{}[{}]", path, i);
    if (!item.IsScalar()) FailAt(m.file(), item.Mark(), item_key, "expected a key name");
    const auto part = ParseKeyPart(item.Scalar(), error);
    if (!part) FailAt(m.file(), item.Mark(), item_key, error);
    for (const KeyPart& p : key) {
      if (p.field == part->field)
        FailAt(m.file(), item.Mark(), item_key,
               fmt::format("'{}' is listed twice", KeyPartName(p)));
    }
    key.push_back(*part);
  }
  if (key.empty()) m.Fail(name, "must list at least one key");
  return key;
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

// group_by: none (one group), ip, user, a prefix (ip/24) or a list ([user, ip/64]).
void ReadGroupBy(const YamlMap& r, Rule& rule) {
  if (!r.Has("group_by")) return;
  const YAML::Node node = r.Raw("group_by");
  if (node.IsScalar() && node.Scalar() == "none") return;
  if (node.IsScalar() && node.Scalar() != "ip" && node.Scalar() != "user") {
    std::string error;
    if (!ParseKeyPart(node.Scalar(), error)) {
      if (node.Scalar().find('/') != std::string::npos) r.Fail("group_by", error);
      r.Fail("group_by", fmt::format("unknown value '{}' (known: none, ip, ip/N, ip/N/M, user, "
                                     "detail, fingerprint, host, or a list of them)",
                                     node.Scalar()));
    }
  }
  rule.group_key = ReadGroupKey(r, "group_by");
  if (rule.group_key.size() == 1 && rule.group_key[0] == KeyPart{KeyField::kIp})
    rule.group_by = GroupBy::kIp;
  if (rule.group_key.size() == 1 && rule.group_key[0] == KeyPart{KeyField::kUser})
    rule.group_by = GroupBy::kUser;
}

void ReadDistinct(const YamlMap& r, Rule& rule) {
  if (!r.Has("distinct")) return;
  std::string error;
  const auto part = ParseKeyPart(r.String("distinct", ""), error);
  if (!part) r.Fail("distinct", error);
  for (const KeyPart& p : rule.group_key) {
    if (p.field == part->field) {
      r.Fail("distinct", fmt::format("'{}' is also a group_by key: each group would see one value",
                                     KeyPartName(*part)));
    }
  }
  rule.distinct = *part;
}

// per_host: whether the rule counts each origin host apart (the default; rules/README.md
// "Hosts"). A rule counting distinct hosts counts across them, so it implies false.
void ReadPerHost(const YamlMap& r, Rule& rule) {
  const bool across = rule.distinct && rule.distinct->field == KeyField::kHost;
  rule.per_host = r.Bool("per_host", !across);
  if (across && rule.per_host)
    r.Fail("per_host", "cannot be true with distinct: host (each group would see one host)");
}

void ReadAfter(const YamlMap& r, Rule& rule) {
  if (!r.Has("after")) return;
  const YamlMap after = r.Map("after");
  after.AllowOnly({"kinds", "within", "min"});
  AfterSpec spec;
  if (!after.Has("kinds")) r.Fail("after", "needs kinds: the events that must come before");
  spec.kinds = ReadKinds(after);
  if (const auto k = Overlap(spec.kinds, rule.kinds)) {
    after.Fail("kinds", fmt::format("event kind '{}' is also in match.kinds", EventKindName(*k)));
  }
  spec.within = after.DurationValue("within", spec.within);
  if (spec.within <= Duration::zero()) after.Fail("within", "must be longer than 0");
  spec.min = static_cast<std::uint32_t>(after.Int("min", 1, 1, kMaxThreshold));
  rule.after = std::move(spec);
}

void ReadFirstSeen(const YamlMap& r, Rule& rule) {
  if (!r.Has("first_seen")) return;
  const YamlMap fs = r.Map("first_seen");
  fs.AllowOnly({"key", "remember", "learn", "max_keys"});
  FirstSeenSpec spec;
  if (!fs.Has("key")) r.Fail("first_seen", "needs key: what to remember (e.g. [user, ip/24])");
  spec.key = ReadGroupKey(fs, "key");
  spec.remember = fs.DurationValue("remember", spec.remember);
  if (spec.remember <= Duration::zero()) fs.Fail("remember", "must be longer than 0");
  spec.learn = fs.DurationValue("learn", spec.learn);
  if (spec.learn < Duration::zero()) fs.Fail("learn", "must not be negative");
  spec.max_keys = static_cast<std::uint32_t>(fs.Int("max_keys", spec.max_keys, 1000, 10'000'000));
  if (rule.distinct) r.Fail("first_seen", "cannot be combined with distinct");
  if (rule.after) r.Fail("first_seen", "cannot be combined with after");
  rule.first_seen = std::move(spec);
}

void ReadCancelOn(const YamlMap& r, Rule& rule) {
  if (!r.Has("cancel_on")) return;
  rule.cancel_on = ReadKinds(r, "cancel_on");
  if (const auto k = Overlap(rule.cancel_on, rule.kinds)) {
    r.Fail("cancel_on", fmt::format("event kind '{}' is also in match.kinds", EventKindName(*k)));
  }
  if (rule.after) {
    if (const auto k = Overlap(rule.cancel_on, rule.after->kinds)) {
      r.Fail("cancel_on", fmt::format("event kind '{}' is also in after.kinds", EventKindName(*k)));
    }
  }
}

void ReadUnlessFired(const YamlMap& r, Rule& rule) {
  if (!r.Has("unless_fired")) return;
  const YAML::Node node = r.Raw("unless_fired");
  rule.origin.unless_fired_at = fmt::format("{}:{}:{}: {}", r.file(), node.Mark().line + 1,
                                            node.Mark().column + 1, r.KeyPath("unless_fired"));
  auto add = [&](const YAML::Node& item) {
    if (!item.IsScalar() || !IsValidRuleId(item.Scalar()))
      FailAt(r.file(), item.Mark(), r.KeyPath("unless_fired"),
             "expected a rule id (e.g. sshd.auth.brute_force)");
    if (item.Scalar() == rule.id)
      FailAt(r.file(), item.Mark(), r.KeyPath("unless_fired"), "names the rule itself");
    rule.unless_fired.push_back(item.Scalar());
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) add(item);
  } else {
    add(node);
  }
  if (rule.unless_fired.empty()) r.Fail("unless_fired", "must list at least one rule id");
  if (rule.first_seen || rule.after)
    r.Fail("unless_fired", "only for counting rules (not with first_seen or after)");
}

// unless_fired names rules by id: every one must be loaded (a typo would silently turn
// the check off).
void CheckUnlessFired(const std::vector<Rule>& rules) {
  for (const Rule& rule : rules) {
    for (const std::string& id : rule.unless_fired) {
      const bool known = std::any_of(rules.begin(), rules.end(),
                                     [&](const Rule& other) { return other.id == id; });
      if (!known)
        throw ConfigError(fmt::format("{}: unknown rule id '{}' (no loaded rule has it)",
                                      rule.origin.unless_fired_at, id));
    }
  }
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
  r.AllowOnly({"id", "description", "match", "group_by", "distinct", "per_host", "after",
               "first_seen", "cancel_on", "unless_fired", "threshold", "window", "cooldown",
               "severity", "summary", "remedy"});
  Rule rule;
  rule.id = r.RequiredString("id");
  if (!IsValidRuleId(rule.id)) {
    r.Fail("id",
           fmt::format("'{}' is not a dotted lower-case id (e.g. sshd.auth.brute_force)", rule.id));
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

  ReadGroupBy(r, rule);
  rule.threshold = static_cast<std::uint32_t>(r.Int("threshold", 1, 1, kMaxThreshold));
  ReadDistinct(r, rule);
  if (rule.distinct && rule.threshold > kMaxDistinct) {
    r.Fail("threshold", fmt::format("with distinct, at most {}", kMaxDistinct));
  }
  ReadPerHost(r, rule);
  ReadAfter(r, rule);
  ReadFirstSeen(r, rule);
  if (rule.first_seen && rule.threshold != 1) {
    r.Fail("threshold", "must be 1 with first_seen: the first sighting fires");
  }
  ReadCancelOn(r, rule);
  ReadUnlessFired(r, rule);
  rule.window = r.DurationValue("window", rule.window);
  if (rule.window <= Duration::zero()) r.Fail("window", "must be longer than 0");
  rule.cooldown = r.DurationValue("cooldown", rule.cooldown);
  const std::string severity = r.String("severity", "warning");
  const auto sev = ParseSeverity(severity);
  if (!sev)
    r.Fail("severity",
           fmt::format("unknown severity '{}' (known: info, warning, critical)", severity));
  rule.severity = *sev;
  rule.summary = ReadTemplate(r, "summary", true);
  rule.remedy = ReadTemplate(r, "remedy", false);
  rule.origin.file = file;
  rule.origin.line = r.Raw("id").Mark().line + 1;
  return rule;
}

// Loads `path` into `out`, checking ids against every rule loaded before it.
void LoadInto(const std::string& path, std::map<std::string, Location>& seen,
              std::vector<Rule>& out) {
  const YamlMap top(LoadYamlFile(path), path, "");
  top.AllowOnly({"rules"});
  for (const YamlMap& r : top.MapList("rules")) {
    Rule rule = ReadRule(r, path);
    const YAML::Mark mark = r.Raw("id").Mark();
    const auto [it, inserted] =
        seen.emplace(rule.id, Location{path, mark.line + 1, mark.column + 1});
    if (!inserted) {
      r.Fail("id", fmt::format("duplicate rule id '{}' (first defined at {}:{}:{})", rule.id,
                               it->second.file, it->second.line, it->second.column));
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
    if (ec)
      throw ConfigError(fmt::format("{}: cannot read rules directory: {}", dir, ec.message()));
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
  CheckUnlessFired(rules);
  return rules;
}

std::vector<Rule> LoadRuleFile(const std::string& path) {
  std::map<std::string, Location> seen;
  std::vector<Rule> rules;
  LoadInto(path, seen, rules);
  CheckUnlessFired(rules);
  return rules;
}

}  // namespace sshd_health
