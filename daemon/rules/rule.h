#pragma once
// Rule: one detection, loaded from a YAML file in rules/ (see rules/README.md for the
// file format). Rules are data; this is their in-memory form.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/severity.h"
#include "parse/sshd_event.h"

namespace re2 {
class RE2;
}

namespace sshd_health {

/// A rule's compiled RE2 pattern (or none). Compares by pattern text, so the same rule
/// loaded twice (a reload) is equal to itself. Shared: copies of a rule share the RE2.
class RulePattern {
 public:
  RulePattern() = default;
  RulePattern(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}  // NOLINT: implicit on purpose
  const re2::RE2* get() const { return re_.get(); }
  /// REQUIRES: a pattern is set.
  const re2::RE2& operator*() const { return *re_; }
  explicit operator bool() const { return re_ != nullptr; }
  friend bool operator==(const RulePattern& a, const RulePattern& b);

 private:
  std::shared_ptr<const re2::RE2> re_;
};

/// Where a rule was defined, for messages. Not part of what the rule detects: moving it
/// within its file or to another file leaves it equal (a reload keeps its state).
struct RuleOrigin {
  std::string file;
  int line = 0;
  friend bool operator==(const RuleOrigin&, const RuleOrigin&) { return true; }
};

enum class GroupBy { kNone, kIp, kUser };

struct Rule {
  std::string id;           // dotted lower-case, e.g. "sshd.maxstartups.drop"
  std::string description;  // one line
  std::vector<EventKind> kinds;            // match any of these kinds (empty: any kind)
  RulePattern regex;      // optional: must also match the message (RE2)
  RulePattern not_regex;  // optional: must NOT match the message (RE2)
  GroupBy group_by = GroupBy::kNone;
  std::uint32_t threshold = 1;             // events within `window` to fire
  Duration window = std::chrono::minutes(10);
  Duration cooldown = std::chrono::minutes(30);  // quiet time before the same group re-fires
  Severity severity = Severity::kWarning;
  std::string summary;  // template: {ip} {user} {port} {count} {detail} {kind} {window}
  std::string remedy;   // template, same placeholders
  RuleOrigin origin;

  /// Same definition: what a reload compares to decide whether a rule keeps its state.
  friend bool operator==(const Rule&, const Rule&) = default;
};

}  // namespace sshd_health
