// Address recognition and normalisation.
#include "parse/address.h"

#include <arpa/inet.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>

namespace sshd_health {
namespace {

TEST_CASE("IPv6 addresses are written lower-case and compressed", "[parse]") {
  CHECK(NormaliseIp("2001:DB8:0:0:0:0:0:1") == "2001:db8::1");
  CHECK(NormaliseIp("2001:db8::1") == "2001:db8::1");
  CHECK(NormaliseIp("AAAA:BBBB:CCCC:1234::1:1") == "aaaa:bbbb:cccc:1234::1:1");
  CHECK(NormaliseIp("::1") == "::1");
}

TEST_CASE("IPv6 text is what inet_ntop writes, for random addresses rich in zero runs", "[parse]") {
  std::mt19937 rng(5);
  for (int round = 0; round < 20000; ++round) {
    in6_addr a{};
    for (int w = 0; w < 8; ++w) {
      // Mostly zero groups, so every placement and length of zero runs comes up.
      const unsigned word =
          rng() % 3 == 0 ? static_cast<unsigned>(rng() & (rng() % 2 ? 0xffff : 0x00ff)) : 0;
      a.s6_addr[2 * w] = static_cast<unsigned char>(word >> 8);
      a.s6_addr[2 * w + 1] = static_cast<unsigned char>(word);
    }
    if (round % 7 == 0) {  // the IPv4-compatible and -mapped prefixes
      for (int i = 0; i < 10; ++i) a.s6_addr[i] = 0;
      a.s6_addr[10] = a.s6_addr[11] = round % 2 ? 0xff : 0;
    }
    char expected[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, &a, expected, sizeof expected) != nullptr);
    char full[64];  // every group written out: the form NormaliseIp must compress itself
    std::snprintf(full, sizeof full, "%X:%X:%X:%X:%X:%X:%X:%X", a.s6_addr[0] << 8 | a.s6_addr[1],
                  a.s6_addr[2] << 8 | a.s6_addr[3], a.s6_addr[4] << 8 | a.s6_addr[5],
                  a.s6_addr[6] << 8 | a.s6_addr[7], a.s6_addr[8] << 8 | a.s6_addr[9],
                  a.s6_addr[10] << 8 | a.s6_addr[11], a.s6_addr[12] << 8 | a.s6_addr[13],
                  a.s6_addr[14] << 8 | a.s6_addr[15]);
    std::string want = expected;
    if (want.rfind("::ffff:", 0) == 0 && want.find('.') != std::string::npos)
      want = want.substr(7);  // mapped: IPv4
    INFO(full);
    REQUIRE(NormaliseIp(full) == want);
  }
}

TEST_CASE("IPv4-mapped IPv6 addresses become plain IPv4", "[parse]") {
  CHECK(NormaliseIp("::ffff:218.249.210.161") == "218.249.210.161");
  CHECK(NormaliseIp("::FFFF:1.2.3.4") == "1.2.3.4");
  CHECK(NormaliseIp("::ffff:0102:0304") == "1.2.3.4");
}

TEST_CASE("only syntactically valid IPs are IPs", "[parse]") {
  CHECK(IsIpAddress("192.0.2.1"));
  CHECK(IsIpAddress("2001:db8::1"));
  for (const char* bad :
       {"", "192.0.2", "192.0.2.256", "192.030.0.6", "1.2.3.4.5", "example.com", "2001:db8:::1",
        "1.2.3.4 ", "fe80::1%eth0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}) {
    INFO(bad);
    CHECK_FALSE(IsIpAddress(bad));
    CHECK_FALSE(NormaliseIp(bad));
  }
}

TEST_CASE("the IPv4 check accepts exactly what inet_pton accepts", "[parse]") {
  for (const char* token :
       {"0.0.0.0",   "255.255.255.255", "1.2.3.4",   "10.0.0.1", "01.2.3.4",
        "1.2.3.04",  "1.2.3.",          ".1.2.3",    "1..2.3",   "1.2.3.4.",
        "256.1.1.1", "1.2.3.1000",      "1.2.3.-1",  "1.2.3.4a", "a1.2.3.4",
        "1.2.3",     "1234.1.1.1",      "1.2.3.4\n", "0.0.0.00", "99.99.99.99"}) {
    INFO(token);
    in_addr a{};
    const bool libc = inet_pton(AF_INET, token, &a) == 1;
    CHECK(IsIpAddress(token) == libc);
    CHECK(NormaliseIp(token).has_value() == libc);
  }
}

TEST_CASE("the IPv4 check agrees with inet_pton on random digits and dots", "[parse]") {
  // Three to five parts of zero to four digits (now and then a letter), joined by dots:
  // every edge the hand-written check has - part lengths, leading zeros, 255 vs 256, dots
  // at either end, too few or too many parts.
  std::mt19937 rng(7);
  const std::string digits = "0123456789012a";
  int valid = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string token;
    const int parts = 3 + static_cast<int>(rng() % 3);
    for (int part = 0; part < parts; ++part) {
      if (part > 0) token += '.';
      const int len = static_cast<int>(rng() % 5);
      for (int k = 0; k < len; ++k) token += digits[rng() % digits.size()];
    }
    in_addr a{};
    const bool libc = inet_pton(AF_INET, token.c_str(), &a) == 1;
    valid += libc ? 1 : 0;
    if (IsIpAddress(token) != libc) {
      FAIL_CHECK("disagrees with inet_pton on '" << token << "'");
      break;
    }
  }
  CHECK(valid > 1000);  // the sample holds addresses, not only junk
}

TEST_CASE("host names are kept as logged when allowed", "[parse]") {
  CHECK(NormaliseAddress("client.example.net", true) == "client.example.net");
  CHECK(NormaliseAddress("192.030.0.6", true) == "192.030.0.6");
  CHECK_FALSE(NormaliseAddress("client.example.net", false));
  for (const char* bad :
       {"", "-lead.example", "a..b", "has space", "semi;colon", "x/y", "a\x1b[31m"}) {
    INFO(bad);
    CHECK_FALSE(IsHostName(bad));
  }
  CHECK_FALSE(IsHostName(std::string(254, 'a')));
  CHECK_FALSE(IsHostName(std::string(64, 'a') + ".com"));
}

}  // namespace
}  // namespace sshd_health
