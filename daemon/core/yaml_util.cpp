#include "core/yaml_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace sshd_health {
namespace {

std::string Where(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

[[noreturn]] void Throw(const std::string& file, const YAML::Mark& mark, const std::string& key,
                        const std::string& message) {
  if (key.empty()) throw ConfigError(fmt::format("{}: {}", Where(file, mark), message));
  throw ConfigError(fmt::format("{}: {}: {}", Where(file, mark), key, message));
}

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  double value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || value < 0) {
    return Fail(fmt::format("'{}' is not a duration (use e.g. 500ms, 30s, 5m, 1h, 2d)", text));
  }
  const std::string_view unit(ptr, static_cast<std::size_t>(s.data() + s.size() - ptr));
  double ms;
  if (unit.empty() || unit == "s")
    ms = value * 1000;
  else if (unit == "ms")
    ms = value;
  else if (unit == "m")
    ms = value * 60'000;
  else if (unit == "h")
    ms = value * 3'600'000;
  else if (unit == "d")
    ms = value * 86'400'000;
  else
    return Fail(fmt::format("'{}' has an unknown unit (use ms, s, m, h or d)", text));
  if (ms > 365.0 * 86'400'000) return Fail(fmt::format("'{}' is longer than a year", text));
  return Duration(static_cast<Duration::rep>(ms));
}

YAML::Node LoadYamlFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("{}: cannot open file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return YAML::Load(buffer.str());
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: YAML syntax error: {}", Where(path, e.mark), e.msg));
  }
}

// A missing key's node is a yaml-cpp "zombie" that throws on assignment, so absent and
// null maps are replaced by a fresh empty map before the member is initialised.
static YAML::Node MapOrEmpty(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return YAML::Node(YAML::NodeType::Map);
  return node;
}

YamlMap::YamlMap(YAML::Node node, std::string file, std::string path)
    : node_(MapOrEmpty(node)), file_(std::move(file)), path_(std::move(path)) {
  if (!node_.IsMap()) Throw(file_, node_.Mark(), path_, "expected a mapping (key: value)");
}

std::string YamlMap::KeyPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool YamlMap::Has(const std::string& key) const {
  const YAML::Node& n = node_;
  const YAML::Node v = n[key];
  return v.IsDefined() && !v.IsNull();
}

YAML::Node YamlMap::Raw(const std::string& key) const {
  const YAML::Node& n = node_;
  return n[key];
}

void YamlMap::Fail(const std::string& key, const std::string& message) const {
  const YAML::Node v = Raw(key);
  Throw(file_, v.IsDefined() ? v.Mark() : node_.Mark(), KeyPath(key), message);
}

std::string YamlMap::String(const std::string& key, const std::string& def) const {
  if (!Has(key)) return def;
  const YAML::Node v = Raw(key);
  if (!v.IsScalar()) Fail(key, "expected a string");
  return v.Scalar();
}

std::string YamlMap::RequiredString(const std::string& key) const {
  if (!Has(key)) Fail(key, "is required");
  const std::string s = String(key, "");
  if (s.empty()) Fail(key, "must not be empty");
  return s;
}

bool YamlMap::Bool(const std::string& key, bool def) const {
  if (!Has(key)) return def;
  const std::string s = String(key, "");
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  Fail(key, fmt::format("expected true or false, got '{}'", s));
}

long YamlMap::Int(const std::string& key, long def, long min, long max) const {
  if (!Has(key)) return def;
  const std::string s = String(key, "");
  long value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    Fail(key, fmt::format("expected a whole number, got '{}'", s));
  }
  if (value < min || value > max) {
    Fail(key, fmt::format("{} is out of range ({} to {})", value, min, max));
  }
  return value;
}

Duration YamlMap::DurationValue(const std::string& key, Duration def) const {
  if (!Has(key)) return def;
  auto d = ParseDuration(String(key, ""));
  if (!d) Fail(key, d.error().message);
  return *d;
}

std::vector<std::string> YamlMap::StringList(const std::string& key) const {
  std::vector<std::string> out;
  if (!Has(key)) return out;
  const YAML::Node v = Raw(key);
  if (v.IsScalar()) {
    out.push_back(v.Scalar());
    return out;
  }
  if (!v.IsSequence()) Fail(key, "expected a string or a list of strings");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar()) {
      Throw(file_, v[i].Mark(), fmt::format("{}[{}]", KeyPath(key), i), "expected a string");
    }
    out.push_back(v[i].Scalar());
  }
  return out;
}

YamlMap YamlMap::Map(const std::string& key) const {
  return YamlMap(Raw(key), file_, KeyPath(key));
}

std::vector<YamlMap> YamlMap::MapList(const std::string& key) const {
  std::vector<YamlMap> out;
  if (!Has(key)) return out;
  const YAML::Node v = Raw(key);
  if (!v.IsSequence()) Fail(key, "expected a list");
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.emplace_back(v[i], file_, fmt::format("{}[{}]", KeyPath(key), i));
  }
  return out;
}

void YamlMap::AllowOnly(std::initializer_list<std::string_view> allowed) const {
  AllowOnly(std::vector<std::string_view>(allowed));
}

void YamlMap::AllowOnly(const std::vector<std::string_view>& allowed) const {
  for (const auto& kv : node_) {
    const std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string known;
      for (auto a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
      Throw(file_, kv.first.Mark(), KeyPath(key), fmt::format("unknown key (known: {})", known));
    }
  }
}

}  // namespace sshd_health
