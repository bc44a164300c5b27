// scan::Find, the parser's substring search, against string_view::find on every offset;
// scan::ReadUint, the digit run of a syslog pid.
#include "core/text_scan.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace sshd_health {
namespace {

TEST_CASE("scan::Find agrees with string_view::find", "[core]") {
  const std::vector<std::string> hay = {
      "",
      " from ",
      "from ",
      " from",
      "root from 192.0.2.1 port 22 ssh2",
      "x from  from 198.51.100.7 port 2 ssh2 from",
      "  ffrom  f from ff from f",
      "port port  port 22 port",
      " rhost= rhost=192.0.2.1  user=root",
      std::string("a\0 from \0b from ", 16),
  };
  const std::vector<std::string> needles = {" from ", " port ", " rhost=", "ab", " f", "fr"};
  for (const std::string& h : hay) {
    for (const std::string& n : needles) {
      for (std::size_t from = 0; from <= h.size() + 2; ++from) {
        INFO("hay '" << h << "' needle '" << n << "' from " << from);
        CHECK(scan::Find(h, n, from) == std::string_view(h).find(n, from));
      }
    }
  }
}

TEST_CASE("scan::ReadUint reads at most max_digits digits and leaves pos alone without one",
          "[core]") {
  std::size_t pos = 1;
  int v = -1;
  CHECK(scan::ReadUint("[12345]:", pos, 9, v));
  CHECK(v == 12345);
  CHECK(pos == 6);
  pos = 0;
  CHECK(scan::ReadUint("1234567890", pos, 9, v));  // the tenth digit is left for the caller
  CHECK(v == 123456789);
  CHECK(pos == 9);
  pos = 0;
  v = -1;
  CHECK_FALSE(scan::ReadUint("x1", pos, 9, v));
  CHECK_FALSE(scan::ReadUint("", pos, 9, v));
  CHECK(pos == 0);
  CHECK(v == -1);
}

}  // namespace
}  // namespace sshd_health

TEST_CASE("SameText compares whole texts of any length, empty ones without touching data",
          "[core]") {
  using sshd_health::scan::SameText;
  CHECK(SameText(std::string_view(), std::string_view()));  // null data(): no memcmp
  CHECK(SameText(std::string_view(), ""));
  CHECK_FALSE(SameText(std::string_view(), "a"));
  const std::string base = "web0001.example.internal";
  for (std::size_t n = 0; n <= base.size(); ++n) {
    const std::string a = base.substr(0, n);
    std::string b = a;
    CHECK(SameText(a, b));
    if (n == 0) continue;
    for (std::size_t i = 0; i < n; ++i) {  // a difference at every offset, in and past a word
      b = a;
      b[i] ^= 0x20;
      CHECK_FALSE(SameText(a, b));
    }
    CHECK_FALSE(SameText(a, a.substr(0, n - 1)));
  }
}
