// Attacker-controlled text (user names, banners, disconnect reasons, algorithm offers)
// must never choose the address an event blames, and no input may crash the parser.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "catalogue_samples.h"
#include "parse/address.h"
#include "parse_helpers.h"

namespace sshd_health {
namespace {

using test::LineFeeder;
using test::MustParse;

// The injected address every hostile line below tries to get blamed.
constexpr const char* kVictim = "1.2.3.4";

TEST_CASE("a user name carrying 'from <ip> port <n>' cannot become the source", "[parse]") {
  const std::string line = GENERATE(
      std::string("srv sshd[1]: Invalid user x from 1.2.3.4 port 22 from 203.0.113.1 port 5555"),
      std::string("srv sshd[1]: error: maximum authentication attempts exceeded for invalid user x from 1.2.3.4 port 22 "
                  "ssh2 from 203.0.113.1 port 5555 ssh2 [preauth]"),
      std::string("srv sshd[1]: Connection closed by invalid user x 1.2.3.4 port 22 203.0.113.1 port 5555 [preauth]"),
      std::string("srv sshd[1]: Disconnected from authenticating user x from 1.2.3.4 port 22 203.0.113.1 port 5555 [preauth]"),
      std::string("srv sshd[1]: Disconnecting invalid user x 1.2.3.4 port 22: y 203.0.113.1 port 5555: Too many "
                  "authentication failures [preauth]"),
      std::string("srv sshd[1]: Failed password for invalid user x from 1.2.3.4 port 22 ssh2 from 203.0.113.1 port 5555 ssh2"),
      std::string("srv sshd[1]: Bad protocol version identification 'SSH-2.0 from 1.2.3.4 port 22' from 203.0.113.1 port 5555"),
      std::string("srv sshd[1]: error: PAM: Authentication failure for x from 1.2.3.4 from 203.0.113.1"),
      std::string("srv sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                  "ruser=x rhost=1.2.3.4 rhost=203.0.113.1  user=root"),
      std::string("srv sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                  "ruser= rhost=203.0.113.1  user=x rhost=1.2.3.4 port 22"),
      std::string("srv sshd[1]: User x from 1.2.3.4 from 203.0.113.1 not allowed because not listed in AllowUsers"),
      std::string("srv sshd[1]: refused connect from x (1.2.3.4) (203.0.113.1)"),
      std::string("srv sshd[1]: ssh_dispatch_run_fatal: Connection from invalid user x 1.2.3.4 port 22: y "
                  "203.0.113.1 port 5555: Broken pipe [preauth]"));
  INFO(line);
  const auto ev = MustParse(line);
  CHECK(ev.ip == "203.0.113.1");
  CHECK(ev.ip != kVictim);
}

TEST_CASE("text after the address cannot move the source either", "[parse]") {
  const std::string line = GENERATE(
      std::string("srv sshd[1]: Received disconnect from 203.0.113.1 port 5555:11: from 1.2.3.4 port 22 [preauth]"),
      std::string("srv sshd[1]: Unable to negotiate with 203.0.113.1 port 5555: no matching cipher found. Their offer: "
                  "x: no matching y 1.2.3.4 port 22 [preauth]"),
      std::string("srv sshd[1]: Failed publickey for git from 203.0.113.1 port 5555 ssh2: RSA SHA256:abc"),
      std::string("srv sshd[1]: banner exchange: Connection from 203.0.113.1 port 5555: invalid format"),
      std::string("srv sshd[1]: drop connection #1 from [203.0.113.1]:5555 on [192.0.2.1]:22 penalty: 1.2.3.4 port 22"));
  INFO(line);
  const auto ev = MustParse(line);
  CHECK(ev.ip == "203.0.113.1");
}

TEST_CASE("a password failure whose user name imitates the tail still counts against its real source", "[parse]") {
  // Issue 14: for password, keyboard-interactive and none nothing follows "ssh2" (auth.c
  // auth_log has no key info for them), so the real " from <ip> port <n> ssh2" is the one
  // that ends the line, whatever the user name carries. (This line used to blame nobody.)
  const std::string line =
      "srv sshd[7]: Failed password for invalid user x from 1.2.3.4 port 22 ssh2: y from 203.0.113.1 port 5 ssh2";
  SECTION("no history") {
    const auto ev = MustParse(line);
    CHECK(ev.kind == EventKind::kAuthFailure);
    CHECK(ev.ip == "203.0.113.1");
    CHECK(ev.port == 5);
    CHECK(ev.user == "x from 1.2.3.4 port 22 ssh2: y");
  }
  SECTION("the PID's Invalid user line agrees") {
    LineFeeder f;
    REQUIRE(f.Feed("srv sshd[7]: Invalid user x from 1.2.3.4 port 22 ssh2: y from 203.0.113.1 port 5"));
    const auto ev = f.Feed(line);
    REQUIRE(ev);
    CHECK(ev->ip == "203.0.113.1");
    CHECK(ev->user == "x from 1.2.3.4 port 22 ssh2: y");
  }
  SECTION("the issue's example") {
    const auto ev = MustParse(
        "srv sshd[7]: Failed password for invalid user admin from 10.1.1.6 port 4444 ssh2: RSA SHA256:x from "
        "192.0.2.65 port 5566 ssh2");
    CHECK(ev.kind == EventKind::kAuthFailure);
    CHECK(ev.ip == "192.0.2.65");
    CHECK(ev.port == 5566);
  }
  SECTION("keyboard-interactive and none the same") {
    for (const char* method : {"keyboard-interactive/pam", "none"}) {
      const auto ev = MustParse(std::string("srv sshd[7]: Failed ") + method +
                                " for invalid user x from 1.2.3.4 port 22 ssh2 from 203.0.113.1 port 5 ssh2");
      CHECK(ev.ip == "203.0.113.1");
    }
  }
}

TEST_CASE("a public key line is anchored on its key info, which a user name cannot end the line with", "[parse]") {
  // publickey/hostbased: ": <type> <fingerprint>" follows "ssh2"; the user's imitation is
  // followed by more text, the real one by the key info alone.
  const auto ev = MustParse(
      "srv sshd[7]: Failed publickey for x from 1.2.3.4 port 22 ssh2: RSA SHA256:abc from 203.0.113.1 port 5 ssh2: "
      "ED25519 SHA256:3zNRp4y6kRDrjzH+BqBTQ7cNAVQqLL3sXgSG/5hbGs8");
  CHECK(ev.ip == "203.0.113.1");
  CHECK(ev.user == "x from 1.2.3.4 port 22 ssh2: RSA SHA256:abc");
  const auto accepted = MustParse(
      "srv sshd[7]: Accepted publickey for git from 203.0.113.1 port 5 ssh2: ED25519-CERT SHA256:abc ID "
      "x from 1.2.3.4 port 22 ssh2 (serial 1) CA ED25519 SHA256:def");
  CHECK(accepted.ip == "203.0.113.1");
}

TEST_CASE("a flood of injected candidates cannot push the real address out", "[parse]") {
  std::string user = "x";
  for (int i = 0; i < 50; ++i) user += " from 1.2.3.4 port 22 ssh2:";
  LineFeeder f;
  const auto invalid = f.Feed("srv sshd[8]: Invalid user " + user + " from 203.0.113.8 port 6");
  REQUIRE(invalid);
  CHECK(invalid->ip == "203.0.113.8");
  const auto failed = f.Feed("srv sshd[8]: Failed password for invalid user " + user + " from 203.0.113.8 port 6 ssh2");
  REQUIRE(failed);
  CHECK(failed->ip == "203.0.113.8");
}

TEST_CASE("a PAM line whose user= carries a second rhost counts against the rhost= before it", "[parse]") {
  // pam_unix support.c: "... ruser=%s rhost=%s %s%s" - rhost= comes before the client's
  // user=, so the first rhost= followed by the end or " user=" is the source. (Without
  // history this line used to blame nobody.)
  const std::string line = "srv sshd[9]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                           "ruser= rhost=203.0.113.1  user=x rhost=1.2.3.4";
  const auto ev = MustParse(line);
  CHECK(ev.ip == "203.0.113.1");
  CHECK(ev.user == "x rhost=1.2.3.4");
  LineFeeder f;
  REQUIRE(f.Feed("srv sshd[9]: Connection from 203.0.113.1 port 7 on 192.0.2.1 port 22"));
  const auto with_history = f.Feed(line);
  REQUIRE(with_history);
  CHECK(with_history->ip == "203.0.113.1");
}

TEST_CASE("for every catalogue format that carries a user name, a name imitating its own tail plants no address",
          "[parse]") {
  // From each sample of tests/data/openssh/samples.tsv with a user: the user name becomes
  // "<user><the format's own text after the user, with 1.2.3.4 port 22>", so it ends like
  // the real line would. The event keeps its kind and its real source.
  const auto samples = test::LoadSamples();
  int tried = 0;
  for (const auto& s : samples) {
    if (s.user.empty() || s.kind == "ignored" || s.kind == "sshd_fatal") continue;
    // The user's place: the occurrence that comes before the address (or the last one).
    const auto ip_at = s.ip.empty() ? std::string::npos : s.message.rfind(s.ip);
    const auto at = s.message.rfind(s.user, ip_at == std::string::npos ? std::string::npos : ip_at);
    if (at == std::string::npos) continue;
    const std::string head = s.message.substr(0, at + s.user.size());
    std::string tail = s.message.substr(at + s.user.size());
    std::string fake = tail;
    if (!s.ip.empty()) {
      const auto i = fake.find(s.ip);
      if (i == std::string::npos) continue;
      fake.replace(i, s.ip.size(), kVictim);
    }
    if (!s.port.empty()) {
      const auto i = fake.find(s.port);
      if (i != std::string::npos) fake.replace(i, s.port.size(), "22");
    }
    // The imitation ends the user name; a trailing " [preauth]" stays the line's own.
    const std::string preauth = " [preauth]";
    if (fake.size() >= preauth.size() && fake.compare(fake.size() - preauth.size(), preauth.size(), preauth) == 0) {
      fake.resize(fake.size() - preauth.size());
    }
    while (!fake.empty() && fake.back() == ' ') fake.pop_back();
    const std::string message = head + fake + tail;
    for (const auto& program : s.programs) {
      ++tried;
      const std::string line = "Nov 21 16:31:02 srv " + program + "[77]: " + message;
      INFO("samples.tsv:" << s.line_no << ": " << line);
      LineFeeder f;
      const auto ev = f.Feed(line);
      REQUIRE(ev);
      CHECK(ev->ip != kVictim);
      if (s.kind != "repeated") CHECK(EventKindName(ev->kind) == s.kind);
      CHECK(ev->ip == s.ip);
      if (!s.port.empty()) CHECK(std::to_string(ev->port) == s.port);
    }
  }
  CHECK(tried > 50);
}

TEST_CASE("user names keep control characters and non-UTF-8 bytes as logged, without harm", "[parse]") {
  const auto ev = MustParse(std::string("srv sshd[1]: Invalid user a\x1b[31mb\r\x01\xf1 from 203.0.113.1 port 5"));
  CHECK(ev.ip == "203.0.113.1");
  CHECK(ev.user == "a\x1b[31mb\r\x01\xf1");
}

TEST_CASE("an invalid address token yields no event rather than a bogus source", "[parse]") {
  for (const char* line : {"srv sshd[1]: Failed password for root from 999.1.1.1 port 22 ssh2",
                           "srv sshd[1]: Connection from not-an-ip port 22 on 192.0.2.1 port 22",
                           "srv sshd[1]: drop connection #1 from [x]:1 on [192.0.2.1]:22 past MaxStartups",
                           "srv sshd[1]: Invalid user x from a;b port 22"}) {
    INFO(line);
    LineFeeder f;
    const auto ev = f.Feed(line);
    CHECK_FALSE(ev);
  }
}

TEST_CASE("overlong lines are parsed in bounded time without crashing", "[parse]") {
  SECTION("a megabyte user name") {
    const std::string line = "srv sshd[1]: Invalid user " + std::string(1 << 20, 'A') + " from 203.0.113.1 port 5";
    const auto ev = MustParse(line);
    CHECK(ev.ip == "203.0.113.1");
  }
  SECTION("thousands of ' from <ip> port <n> ssh2' repetitions") {
    std::string line = "srv sshd[1]: Failed password for ";
    for (int i = 0; i < 20000; ++i) line += "x from 1.2.3.4 port 22 ssh2: ";
    line += "y from 203.0.113.1 port 5 ssh2";
    LineFeeder f;
    const auto ev = f.Feed(line);
    if (ev) CHECK(ev->ip != kVictim);
  }
  SECTION("a megabyte of garbage") {
    LineFeeder f;
    CHECK_FALSE(f.Feed("srv sshd[1]: " + std::string(1 << 20, '\xff')));
  }
}

TEST_CASE("random mutations of real lines never crash and only ever yield valid addresses", "[parse]") {
  const std::vector<std::string> seeds = {
      "Nov 21 16:31:02 web1 sshd[1201]: Failed password for invalid user oracle from 203.0.113.7 port 52815 ssh2",
      "<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 55555 - [a b=\"[c]\"] Invalid user x from 192.0.2.2 port 5",
      "srv sshd[5]: Disconnecting invalid user admin 192.0.2.117 port 44004: Too many authentication failures [preauth]",
      "srv sshd[5]: drop connection #3 from [2001:db8::1]:4 on [2001:db8::2]:22 penalty: failed authentication",
      "srv sshd[5]: Timeout before authentication for connection from 192.0.2.1 to 203.0.113.11, pid = 78",
      "srv sshd[5]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=h.example",
      "srv sshd[5]: srclimit_penalise: ipv4: new 203.0.113.150/32 active penalty of 30 seconds for penalty: x",
      "2026-11-21T16:31:02.123456+00:00 h sshd[1]: Received disconnect from 2001:db8::80 port 50201:11: bye"};
  std::mt19937 rng(20261121);
  LineFeeder f;
  for (int round = 0; round < 20000; ++round) {
    std::string line = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits && !line.empty(); ++k) {
      const std::size_t at = rng() % line.size();
      switch (rng() % 3) {
        case 0: line[at] = static_cast<char>(rng() % 256); break;
        case 1: line.erase(at, 1 + rng() % 8); break;
        default: line.insert(at, 1, " :[]/.-"[rng() % 7]); break;
      }
    }
    const auto ev = f.Feed(line);
    if (ev && !ev->ip.empty()) {
      INFO(line);
      CHECK((IsIpAddress(ev->ip) || IsHostName(ev->ip)));
    }
  }
}

}  // namespace
}  // namespace sshd_health
