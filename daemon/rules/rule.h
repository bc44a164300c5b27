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

enum class GroupBy { kNone, kIp, kUser };

struct Rule {
  std::string id;           // dotted lower-case, e.g. "sshd.maxstartups.drop"
  std::string description;  // one line
  std::vector<EventKind> kinds;            // match any of these kinds (empty: any kind)
  std::shared_ptr<const re2::RE2> regex;   // optional: must also match the message (RE2)
  std::shared_ptr<const re2::RE2> not_regex;  // optional: must NOT match the message (RE2)
  GroupBy group_by = GroupBy::kNone;
  std::uint32_t threshold = 1;             // events within `window` to fire
  Duration window = std::chrono::minutes(10);
  Duration cooldown = std::chrono::minutes(30);  // quiet time before the same group re-fires
  Severity severity = Severity::kWarning;
  std::string summary;  // template: {ip} {user} {port} {count} {detail} {kind} {window}
  std::string remedy;   // template, same placeholders
  std::string file;     // where it was defined, for messages
  int line = 0;
};

}  // namespace sshd_health
