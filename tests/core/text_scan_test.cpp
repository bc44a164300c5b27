// scan::Find, the parser's substring search, against string_view::find on every offset.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/text_scan.h"

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

}  // namespace
}  // namespace sshd_health
