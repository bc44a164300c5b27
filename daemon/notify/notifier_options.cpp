#include "notify/notifier_options.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

namespace sshd_health {

YamlMap NotifierOptions(const NotifierConfig& config,
                        std::initializer_list<std::string_view> type_keys) {
  const YamlMap map(config.options, config.file, config.path);
  // A secret typed into config.yaml ends up in backups, diffs and `ps`-visible editors;
  // refusing it (rather than warning) keeps the rule simple: secrets live in files.
  static constexpr std::pair<const char*, const char*> kInlineSecrets[] = {
      {"password", "password_file"}, {"secret", "secret_file"}, {"token", "secret_file"}};
  for (const auto& [inline_key, file_key] : kInlineSecrets) {
    if (map.Has(inline_key)) {
      map.Fail(inline_key, fmt::format("inline secrets are not accepted; put it in a file "
                                       "readable only by root and name that file with {} "
                                       "(relative names are looked up in $CREDENTIALS_DIRECTORY)",
                                       file_key));
    }
  }
  std::vector<std::string_view> allowed(std::begin(kCommonNotifierKeys),
                                        std::end(kCommonNotifierKeys));
  allowed.insert(allowed.end(), std::begin(kDispatchNotifierKeys), std::end(kDispatchNotifierKeys));
  allowed.insert(allowed.end(), type_keys.begin(), type_keys.end());
  map.AllowOnly(allowed);
  return map;
}

std::string ResolveSecretPath(const std::string& name, const std::string& config_file) {
  namespace fs = std::filesystem;
  if (!name.empty() && name.front() == '/') return name;
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"); creds && *creds) {
    return (fs::path(creds) / name).string();
  }
  return (fs::path(config_file).parent_path() / name).string();
}

std::string ReadSecretFile(const YamlMap& map, const std::string& key) {
  const std::string path = ResolveSecretPath(map.RequiredString(key), map.file());
  std::ifstream in(path, std::ios::binary);
  if (!in) map.Fail(key, fmt::format("cannot read secret file {}", path));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) map.Fail(key, fmt::format("secret file {} is empty", path));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH)) {
    spdlog::warn("{}: {}: secret file {} is readable by every user; chmod 600 it", map.file(),
                 map.KeyPath(key), path);
  }
  return secret;
}

}  // namespace sshd_health
