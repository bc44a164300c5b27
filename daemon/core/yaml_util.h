#pragma once
// Reading YAML (config, rules) with errors an admin can act on: every problem is a
// ConfigError whose message is "FILE:LINE:COL: KEY.PATH: what is wrong", taken from
// yaml-cpp's node marks. Exceptions are used only while loading (see STYLE.md).
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

/// A config or rule file error; what() is the complete message for the admin.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses "500ms", "30s", "5m", "1h", "2d" or a bare number of seconds.
Result<Duration> ParseDuration(std::string_view text);

/// Loads a YAML file. Throws ConfigError naming the file (and line for syntax errors).
YAML::Node LoadYamlFile(const std::string& path);

/// A YAML mapping with typed, error-reporting accessors. Missing keys take the given
/// default; a present key of the wrong type or value throws ConfigError at its mark.
class YamlMap {
 public:
  /// REQUIRES: node is a mapping or null/undefined (treated as empty); otherwise throws.
  /// `file` names the source file in errors; `path` is this map's key path ("" at top).
  YamlMap(YAML::Node node, std::string file, std::string path);

  bool Has(const std::string& key) const;
  std::string String(const std::string& key, const std::string& def) const;
  std::string RequiredString(const std::string& key) const;
  bool Bool(const std::string& key, bool def) const;
  long Int(const std::string& key, long def, long min, long max) const;
  Duration DurationValue(const std::string& key, Duration def) const;
  /// A scalar or a sequence of scalars; missing -> empty.
  std::vector<std::string> StringList(const std::string& key) const;
  /// The mapping at `key`; missing -> an empty map with the right path.
  YamlMap Map(const std::string& key) const;
  /// A sequence of mappings at `key` (paths "key[0]", "key[1]", ...); missing -> empty.
  std::vector<YamlMap> MapList(const std::string& key) const;
  /// The raw node at `key` (undefined when missing).
  YAML::Node Raw(const std::string& key) const;

  /// Throws for the first key not in `allowed`, naming the key and its line.
  void AllowOnly(std::initializer_list<std::string_view> allowed) const;
  void AllowOnly(const std::vector<std::string_view>& allowed) const;

  /// Throws ConfigError "file:line:col: path.key: message" at the key's value (or at
  /// this map when the key is absent).
  [[noreturn]] void Fail(const std::string& key, const std::string& message) const;

  const YAML::Node& node() const { return node_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  /// "path.key", or "key" at the top level.
  std::string KeyPath(const std::string& key) const;

 private:
  YAML::Node node_;
  std::string file_;
  std::string path_;
};

}  // namespace sshd_health
