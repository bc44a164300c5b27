#pragma once
// Making hostile text safe to print. Log lines carry attacker-controlled bytes (user
// names, client banners); every output path (terminal, JSON, email, journal) goes
// through EscapeForOutput so a line can neither forge another line or header nor break
// a UTF-8 consumer, and its length is bounded.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sshd_health {

/// Longest text we ever emit for one log line or evidence entry.
inline constexpr std::size_t kMaxOutputLine = 2048;

/// Control characters (0x00-0x1f, 0x7f) and bytes that are not valid UTF-8 become
/// "\xNN"; valid UTF-8 passes through. Output longer than `max_len` bytes is cut at a
/// character boundary and ends in "...". The result is always valid UTF-8 with no
/// control characters.
std::string EscapeForOutput(std::string_view in, std::size_t max_len = kMaxOutputLine);
/// The same, appended to `out`; `max_len` bounds what is appended.
void AppendEscapedForOutput(std::string_view in, std::string& out,
                            std::size_t max_len = kMaxOutputLine);

/// Splits `text` at any of the `separators` characters, dropping empty pieces.
std::vector<std::string> SplitWords(std::string_view text, std::string_view separators);

/// Trims ASCII spaces and tabs at both ends.
std::string_view TrimSpace(std::string_view s);

}  // namespace sshd_health
