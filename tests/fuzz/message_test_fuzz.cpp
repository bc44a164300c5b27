// A regex and a message: the rules engine's MessageTest (substring, prefix and
// required-literal shortcuts before RE2) against RE2 itself. Input: the pattern, a NUL,
// the message. Properties: MessageTest answers exactly as RE2::PartialMatch; the required
// literal is text of the pattern, and every message RE2 matches contains it.
#include <re2/re2.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rules/message_test.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  const std::string pattern(input.substr(0, nul));
  const std::string_view message = input.substr(nul + 1);
  if (pattern.size() > 256 || message.size() > 4096) return 0;  // the loader bounds both
  RE2::Options options;  // as the rule loader compiles a rule's regex
  options.set_log_errors(false);
  const re2::RE2 re(pattern, options);
  if (!re.ok()) return 0;

  const std::string_view literal = sshd_health::RequiredLiteral(re.pattern());
  fuzz::Check(re.pattern().find(literal) != std::string::npos,
              "the required literal is text of the pattern", fuzz::Show(pattern));
  const bool re2 = RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), re);
  if (re2) {
    fuzz::Check(message.find(literal) != std::string_view::npos,
                "a message RE2 matches holds the required literal",
                fuzz::Show(pattern + " / " + std::string(literal)));
  }
  const sshd_health::MessageTest test(&re);
  fuzz::Check(test.Matches(message) == re2, "MessageTest answers as RE2 does",
              fuzz::Show(pattern + " / " + std::string(message)));
  return 0;
}
