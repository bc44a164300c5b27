// The one IPv6 formatter (parse normalises addresses with it, rules spell networks with
// it) against glibc's inet_ntop.
#include "core/ip_text.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace sshd_health {
namespace {

TEST_CASE("FormatIpv6 writes what inet_ntop writes, for addresses rich in zero runs", "[core]") {
  std::mt19937 rng(11);
  for (int round = 0; round < 50000; ++round) {
    unsigned char a[16] = {};
    for (int w = 0; w < 8; ++w) {
      // Mostly zero groups, so every placement and length of zero runs comes up.
      const unsigned word =
          rng() % 3 == 0 ? static_cast<unsigned>(rng() & (rng() % 2 ? 0xffff : 0x00ff)) : 0;
      a[2 * w] = static_cast<unsigned char>(word >> 8);
      a[2 * w + 1] = static_cast<unsigned char>(word);
    }
    if (round % 7 == 0) {  // the IPv4-compatible and -mapped prefixes
      for (int i = 0; i < 10; ++i) a[i] = 0;
      a[10] = a[11] = round % 2 ? 0xff : 0;
    }
    char expected[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, a, expected, sizeof expected) != nullptr);
    char got[kMaxIpv6Text];
    const std::size_t n = FormatIpv6(a, got);
    REQUIRE(n <= kMaxIpv6Text);
    REQUIRE(std::string(got, n) == expected);
  }
}

TEST_CASE("FormatIpv6 at the edges: all zero, all ones, the longest text", "[core]") {
  auto format = [](std::initializer_list<unsigned> bytes) {
    unsigned char a[16] = {};
    int i = 0;
    for (unsigned b : bytes) a[i++] = static_cast<unsigned char>(b);
    char out[kMaxIpv6Text];
    return std::string(out, FormatIpv6(a, out));
  };
  CHECK(format({}) == "::");
  CHECK(format({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}) == "::1");
  CHECK(format({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}) == "::ffff:192.0.2.1");
  CHECK(format({0x20, 0x01, 0x0d, 0xb8}) == "2001:db8::");
  std::initializer_list<unsigned> ones = {255, 255, 255, 255, 255, 255, 255, 255,
                                          255, 255, 255, 255, 255, 255, 255, 255};
  CHECK(format(ones) == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

}  // namespace
}  // namespace sshd_health
