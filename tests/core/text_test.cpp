#include <catch2/catch.hpp>

#include "core/text.h"

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
