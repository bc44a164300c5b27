#pragma once
// Reading one notify.notifiers[] entry's type-specific keys: unknown keys are rejected,
// inline secrets are refused, and secrets come only from files (password_file,
// secret_file), relative names resolved in systemd's $CREDENTIALS_DIRECTORY.
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/yaml_util.h"

namespace sshd_health {

/// Keys every notifier type accepts on top of kCommonNotifierKeys.
inline constexpr const char* kDispatchNotifierKeys[] = {"rate_limit"};

/// The entry's mapping as a YamlMap whose errors name file, line and key. Throws
/// ConfigError for a key that is neither common nor in `type_keys`, and for an inline
/// secret (`password`, `secret`, `token`): those must live in a file.
YamlMap NotifierOptions(const NotifierConfig& config,
                        std::initializer_list<std::string_view> type_keys);

/// Where a secret file named in the config lives: absolute paths as given; relative
/// names inside $CREDENTIALS_DIRECTORY (systemd LoadCredential=), else relative to the
/// config file's directory.
std::string ResolveSecretPath(const std::string& name, const std::string& config_file);

/// Reads the secret named by `key` (a file name) from `map`; trailing newlines are
/// removed. Throws ConfigError (naming the file, never its content) when it cannot be
/// read or is empty. Warns once in the log when the file is readable by others.
std::string ReadSecretFile(const YamlMap& map, const std::string& key);

}  // namespace sshd_health
