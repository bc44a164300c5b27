#include "core/text.h"

#include <catch2/catch.hpp>

using sshd_health::EscapeForOutput;

TEST_CASE("control characters are escaped so a line cannot forge another", "[core]") {
  CHECK(EscapeForOutput("a\nb\rc\x1b[31m") == "a\\x0ab\\x0dc\\x1b[31m");
  CHECK(EscapeForOutput(std::string("nul\0x", 5)) == "nul\\x00x");
}

TEST_CASE("valid UTF-8 passes through and invalid bytes are escaped", "[core]") {
  CHECK(EscapeForOutput("J\xc3\xbcrgen") == "J\xc3\xbcrgen");
  CHECK(EscapeForOutput("caf\xe9") == "caf\\xe9");
  CHECK(EscapeForOutput("\xc0\xaf") == "\\xc0\\xaf");  // overlong '/'
}

TEST_CASE("output is bounded", "[core]") {
  const std::string long_line(10000, 'a');
  const std::string out = EscapeForOutput(long_line, 100);
  CHECK(out.size() <= 103);
  CHECK(out.substr(out.size() - 3) == "...");
}

TEST_CASE("the cut falls where a character-by-character escape would put it", "[core]") {
  // Exactly max_len printable bytes fit whole; one more is cut and marked.
  CHECK(EscapeForOutput(std::string(100, 'a'), 100) == std::string(100, 'a'));
  CHECK(EscapeForOutput(std::string(101, 'a'), 100) == std::string(100, 'a') + "...");
  // An escape that would cross the bound is not split.
  CHECK(EscapeForOutput(std::string(98, 'a') + "\x01", 100) == std::string(98, 'a') + "...");
  CHECK(EscapeForOutput(std::string(96, 'a') + "\x01" + "b", 100) ==
        std::string(96, 'a') + "\\x01...");
}

TEST_CASE("SplitWords drops empty pieces between separators", "[core]") {
  using sshd_health::SplitWords;
  CHECK(SplitWords("a, b,,c ", ", ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(SplitWords("", ",").empty());
  CHECK(SplitWords(",,,", ",").empty());
}
