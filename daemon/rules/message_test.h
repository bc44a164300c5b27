#pragma once
// MessageTest: a rule's regex or not_regex, tested against an event's message, for a
// small part of the fixed cost of an RE2 call (about 1,000 instructions even on a short
// message) where the pattern allows:
// - plain printable ASCII without metacharacters (most rules' patterns: "no matching
//   cipher") matches exactly where its text occurs: a substring search;
// - "^" and such text exactly where the message starts with it ("^Accepted publickey ",
//   on every login of a quiet day): a prefix test;
// - any other pattern goes to RE2, but first the message must hold the pattern's longest
//   required literal, text every match contains (" for root from " of
//   "^Accepted \S+ for root from "): most messages lack it and are answered without RE2.
#include <string.h>  // memmem

#include <string_view>

namespace re2 {
class RE2;
}

namespace sshd_health {

/// The longest run of literal text that every match of `pattern` (RE2 syntax, case
/// sensitive) contains, or "" when none is certain. Conservative: a pattern with `|`
/// outside parentheses, flags such as "(?i)", "\Q", numeric or Unicode escapes, POSIX
/// classes or non-ASCII bytes yields "". The result views `pattern`.
std::string_view RequiredLiteral(std::string_view pattern);

class MessageTest {
 public:
  MessageTest() = default;
  /// `re` (may be null: no test) must outlive this.
  explicit MessageTest(const re2::RE2* re);

  bool empty() const { return re_ == nullptr; }
  bool Matches(std::string_view message) const {
    switch (mode_) {
      case Mode::kLiteral:
        return Contains(message);
      case Mode::kPrefix:
        return message.substr(0, literal_.size()) == literal_;
      case Mode::kRe2:
        break;
    }
    if (!Contains(message)) return false;  // true for an empty required literal
    return MatchesRe2(message);
  }

 private:
  bool MatchesRe2(std::string_view message) const;
  // Whether `message` holds literal_: glibc's memmem skips ahead by the needle, where
  // string_view::find stops at every occurrence of its first byte (a space, often).
  // (Both sizes are checked first: memmem takes no null pointer, and an empty view may
  // hold one.)
  bool Contains(std::string_view message) const {
    if (literal_.empty()) return true;
    if (message.size() < literal_.size()) return false;
    return memmem(message.data(), message.size(), literal_.data(), literal_.size()) != nullptr;
  }

  enum class Mode { kRe2, kLiteral, kPrefix };
  const re2::RE2* re_ = nullptr;
  Mode mode_ = Mode::kRe2;
  // A view of the RE2's pattern, which outlives this: the whole text (kLiteral, kPrefix)
  // or the required literal (kRe2; "" when there is none).
  std::string_view literal_;
};

}  // namespace sshd_health
