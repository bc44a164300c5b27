#pragma once
// RuleTemplate: a rule's summary or remedy text with {placeholders}. The placeholder
// catalogue lives here and nowhere else. Values that come from log lines (ip, user,
// detail) are attacker-controlled: Render escapes and bounds every value, so a user name
// with CR/LF/ESC can neither forge a line nor reach a terminal raw.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

enum class TemplateField : std::uint8_t {
  kIp,           // the source address (or host name) of the last event
  kUser,         // the user name of the last event
  kPort,         // the source port of the last event
  kPid,          // sshd's pid on the last event
  kDetail,       // kind-specific text of the last event (client's offer, file path, ...)
  kKind,         // event kind name of the last event
  kCount,        // events counted for this alert
  kThreshold,    // the rule's threshold
  kWindow,       // the rule's window, e.g. "10m"
  kCooldown,     // the rule's cooldown
  kRule,         // the rule id
  kHost,         // this machine's host name
  kFingerprint,  // the key fingerprint of an accepted publickey login
};

struct TemplateFieldInfo {
  TemplateField field;
  std::string_view name;     // as written between braces
  std::string_view meaning;  // one line for rules/README.md
};

/// Every placeholder, in enum order.
std::span<const TemplateFieldInfo> AllTemplateFields();

/// The values one rendering fills in. Raw: Render escapes and bounds them.
struct TemplateValues {
  std::string_view ip, user, detail, kind, rule, host, fingerprint;
  int port = 0;
  int pid = 0;
  std::uint64_t count = 0;
  std::uint64_t threshold = 0;
  std::string_view window, cooldown;  // already formatted ("10m")
};

/// Longest rendering of one value taken from a log line (after escaping).
inline constexpr std::size_t kMaxTemplateValue = 256;

class RuleTemplate {
 public:
  RuleTemplate() = default;

  /// Parses `text`. "{{" and "}}" stand for literal braces. An unknown placeholder or a
  /// lone brace is an error whose message names it and lists the known ones.
  static Result<RuleTemplate> Parse(std::string_view text);

  /// Fills in the placeholders. Empty values render as "-"; values from the log are
  /// passed through EscapeForOutput and cut at kMaxTemplateValue bytes.
  std::string Render(const TemplateValues& values) const;

 private:
  struct Piece {
    bool is_field = false;
    TemplateField field{};
    std::string text;  // the literal, when !is_field
  };
  std::vector<Piece> pieces_;
};

/// "500ms", "30s", "10m", "1h", "2d": the largest unit that divides `d` exactly.
std::string FormatDuration(Duration d);

}  // namespace sshd_health
