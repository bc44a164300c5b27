#include "rules/message_test.h"

#include <re2/re2.h>

#include <algorithm>

namespace sshd_health {
namespace {

bool IsAsciiPrintable(char c) { return c >= 0x20 && c < 0x7f; }
bool IsMeta(char c) {
  return std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos;
}
bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Where the character class opening at `at` ("[") ends (one past its "]"), or npos when
// it cannot tell: "[]...]" and "[^]...]" hold a literal "]", "\]" is escaped; a POSIX
// class ("[:alpha:]") inside gives up.
std::size_t ClassEnd(std::string_view p, std::size_t at) {
  std::size_t i = at + 1;
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;
  for (; i < p.size(); ++i) {
    if (p[i] == '\\') {
      ++i;
    } else if (p[i] == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      return std::string_view::npos;
    } else if (p[i] == ']') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Where the repetition opening at `at` ("{") ends (at its "}"), or `at` when the "{"
// starts none: RE2 reads "{n}", "{n,}" and "{n,m}" as repetitions, any other "{" as a
// literal character.
std::size_t RepetitionEnd(std::string_view p, std::size_t at) {
  std::size_t i = at + 1;
  const auto digits = [&]() {
    const std::size_t start = i;
    while (i < p.size() && p[i] >= '0' && p[i] <= '9') ++i;
    return i > start;
  };
  if (!digits()) return at;
  if (i < p.size() && p[i] == ',') {
    ++i;
    digits();
  }
  return i < p.size() && p[i] == '}' ? i : at;
}

}  // namespace

std::string_view RequiredLiteral(std::string_view p) {
  if (std::any_of(p.begin(), p.end(), [](char c) { return !IsAsciiPrintable(c); })) return {};
  std::string_view best;
  // The literal run being read: p.substr(run_start, run_len). An escaped punctuation
  // character ("\[") is literal but its text in the pattern is two bytes, so a run ends
  // before it: the result must be a view of the pattern, and such a run would not be.
  std::size_t run_start = 0;
  std::size_t run_len = 0;
  auto end_run = [&]() {
    if (run_len > best.size()) best = p.substr(run_start, run_len);
    run_len = 0;
  };
  int depth = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return {};
      const char e = p[i + 1];
      // Escapes that take more than one character after the backslash, or that quote.
      if (std::string_view("xpPQEC0123456789").find(e) != std::string_view::npos) return {};
      end_run();
      ++i;
      continue;
    }
    if (c == '[') {
      const std::size_t end = ClassEnd(p, i);
      if (end == std::string_view::npos) return {};
      end_run();
      i = end - 1;
      continue;
    }
    if (c == '(') {
      if (i + 1 < p.size() && p[i + 1] == '?') {
        // "(?i)" changes the rest of the pattern; "(?i:...)", "(?:...)" and "(?P<n>...)"
        // only their own group, which is skipped anyway.
        std::size_t j = i + 2;
        while (j < p.size() && (IsAlnum(p[j]) || p[j] == '-')) ++j;
        if (j >= p.size() || p[j] == ')') return {};
      }
      end_run();
      ++depth;
      continue;
    }
    if (c == ')') {
      end_run();
      if (--depth < 0) return {};
      continue;
    }
    if (c == '|') {
      if (depth == 0) return {};  // either side may match: nothing is certain
      continue;
    }
    if (depth > 0) continue;
    if (c == '?' || c == '*' || c == '{') {
      // The character before is optional (or repeated any number of times, possibly 0).
      // A "{" that starts no repetition is a literal to RE2; dropping the character
      // before it anyway only makes the result shorter.
      if (run_len > 0) --run_len;
      end_run();
      // A repetition's "{2}", "{2,}" or "{2,5}" is no text: skipped. Anything else after
      // a "{" is read on as pattern, since it may hold a "|" or a "(".
      if (c == '{') i = RepetitionEnd(p, i);
      continue;
    }
    if (c == '+') {
      end_run();  // the character before stays: at least one of it
      continue;
    }
    if (IsMeta(c)) {  // . ^ $ } ]
      end_run();
      continue;
    }
    if (run_len == 0) run_start = i;
    ++run_len;
  }
  end_run();
  return best;
}

MessageTest::MessageTest(const re2::RE2* re) : re_(re) {
  if (re_ == nullptr) return;
  std::string_view p = re_->pattern();
  if (!re_->options().case_sensitive() || re_->options().literal()) return;
  const bool anchored = !p.empty() && p[0] == '^';
  if (anchored) p.remove_prefix(1);
  const bool plain =
      std::all_of(p.begin(), p.end(), [](char c) { return IsAsciiPrintable(c) && !IsMeta(c); });
  if (plain) {
    mode_ = anchored ? Mode::kPrefix : Mode::kLiteral;
    literal_ = p;
    return;
  }
  literal_ = RequiredLiteral(re_->pattern());
}

bool MessageTest::MatchesRe2(std::string_view message) const {
  return RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *re_);
}

}  // namespace sshd_health
