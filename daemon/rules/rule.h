#pragma once
// Rule: one detection, loaded from a YAML file in rules/ (see rules/README.md for the
// file format). Rules are data; this is their in-memory form.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/severity.h"
#include "parse/sshd_event.h"
#include "rules/group_key.h"

namespace re2 {
class RE2;
}

namespace sshd_health {

/// A rule's compiled RE2 pattern (or none). Compares by pattern text, so the same rule
/// loaded twice (a reload) is equal to itself. Shared: copies of a rule share the RE2.
class RulePattern {
 public:
  RulePattern() = default;
  RulePattern(std::shared_ptr<const re2::RE2> re)
      : re_(std::move(re)) {}  // NOLINT: implicit on purpose
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
  /// "file:line:col: rules[N].unless_fired": where the loader's check of its ids points.
  std::string unless_fired_at;
  friend bool operator==(const RuleOrigin&, const RuleOrigin&) { return true; }
};

enum class GroupBy { kNone, kIp, kUser };

/// `after:` - a sequence: the rule's events count only when the same group saw at least
/// `min` events of `kinds` within `within` before (a login after failures).
struct AfterSpec {
  std::vector<EventKind> kinds;
  Duration within = std::chrono::hours(1);
  std::uint32_t min = 1;
  friend bool operator==(const AfterSpec&, const AfterSpec&) = default;
};

/// `first_seen:` - fire when `key` was not seen within `remember`; nothing fires during
/// the first `learn` of the memory. The memory survives restarts (the state store).
struct FirstSeenSpec {
  GroupKey key;
  Duration remember = std::chrono::hours(24 * 90);
  Duration learn = std::chrono::hours(24 * 7);
  std::uint32_t max_keys = 100'000;
  friend bool operator==(const FirstSeenSpec&, const FirstSeenSpec&) = default;
};

struct Rule {
  std::string id;                // dotted lower-case, e.g. "sshd.maxstartups.drop"
  std::string description;       // one line
  std::vector<EventKind> kinds;  // match any of these kinds (empty: any kind)
  RulePattern regex;             // optional: must also match the message (RE2)
  RulePattern not_regex;         // optional: must NOT match the message (RE2)
  GroupBy group_by = GroupBy::kNone;
  /// group_by as parts (prefixes, several keys). Empty: group_by says it (rules built
  /// in code); the loader fills both, group_by with kNone when the key is not ip or user.
  GroupKey group_key;
  std::optional<KeyPart> distinct;  // count distinct values of this instead of events
  /// Count each origin host's events apart (the host a hidden part of the key; see
  /// EventKeys). Off for a rule that counts across hosts (`per_host: false`, or implied
  /// by `distinct: host`); moot when group_key names host itself.
  bool per_host = true;
  std::optional<AfterSpec> after;  // a sequence
  std::optional<FirstSeenSpec> first_seen;
  std::vector<EventKind> cancel_on;  // an event of these kinds ends the group's episode
  /// Rule ids: the rule does not fire for a group whose events one of these rules alerted
  /// on within its window (a slow brute force the fast rule already reported).
  std::vector<std::string> unless_fired;
  std::uint32_t threshold = 1;  // events within `window` to fire
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
