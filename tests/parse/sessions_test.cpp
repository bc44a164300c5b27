// Attributing address-less lines through the per-PID session table, and its bound.
#include <catch2/catch.hpp>
#include <string>

#include "parse_helpers.h"

namespace sshd_health {
namespace {

using test::LineFeeder;

TEST_CASE("an address-less Too-many-failures line takes the address of its PID's connection",
          "[parse]") {
  LineFeeder f;
  REQUIRE(
      f.Feed("Feb 12 04:09:18 h sshd[26713]: Connection from 203.0.113.77 port 51353 on 192.0.2.1 "
             "port 22"));
  const auto ev = f.Feed(
      "Feb 12 04:09:21 h sshd[26713]: Disconnecting: Too many authentication failures for git "
      "[preauth]");
  REQUIRE(ev);
  CHECK(ev->kind == EventKind::kTooManyAuthFailures);
  CHECK(ev->ip == "203.0.113.77");
  CHECK(ev->port == 51353);
  CHECK(ev->user == "git");
}

TEST_CASE("an Invalid user line names the client for the PID's later lines", "[parse]") {
  LineFeeder f;
  REQUIRE(f.Feed("srv sshd[10]: Invalid user admin from 203.0.113.5 port 4000"));
  const auto ev = f.Feed("srv sshd[10]: User admin not allowed because account is locked");
  REQUIRE(ev);
  CHECK(ev->kind == EventKind::kUserNotAllowed);
  CHECK(ev->ip == "203.0.113.5");
  CHECK(ev->user == "admin");
}

TEST_CASE("kex identification failures, bad modes and rejected algorithms are attributed by PID",
          "[parse]") {
  LineFeeder f;
  REQUIRE(
      f.Feed("srv sshd-session[20]: Connection from 2001:db8::9 port 5000 on 2001:db8::1 port 22 "
             "rdomain \"\""));
  for (const char* line :
       {"srv sshd-session[20]: error: kex_exchange_identification: read: Connection reset by peer",
        "srv sshd-session[20]: Authentication refused: bad ownership or modes for file "
        "/home/u/.ssh/authorized_keys",
        "srv sshd-session[20]: userauth_pubkey: signature algorithm ssh-rsa not in "
        "PubkeyAcceptedAlgorithms [preauth]",
        "srv sshd-session[20]: fatal: ssh_packet_read: Connection corrupted [preauth]"}) {
    INFO(line);
    const auto ev = f.Feed(line);
    REQUIRE(ev);
    CHECK(ev->ip == "2001:db8::9");
    CHECK(ev->port == 5000);
  }
}

TEST_CASE("another PID or another host does not inherit the address", "[parse]") {
  LineFeeder f;
  REQUIRE(f.Feed("srv sshd[30]: Connection from 203.0.113.30 port 1 on 192.0.2.1 port 22"));
  SECTION("other PID") {
    const auto ev =
        f.Feed("srv sshd[31]: Disconnecting: Too many authentication failures [preauth]");
    REQUIRE(ev);
    CHECK(ev->ip.empty());
  }
  SECTION("same PID on another host") {
    const auto ev =
        f.Feed("other sshd[30]: Disconnecting: Too many authentication failures [preauth]");
    REQUIRE(ev);
    CHECK(ev->ip.empty());
  }
}

TEST_CASE("a disconnect line ends the PID's session", "[parse]") {
  LineFeeder f;
  REQUIRE(f.Feed("srv sshd[40]: Connection from 203.0.113.40 port 1 on 192.0.2.1 port 22"));
  REQUIRE(f.Feed("srv sshd[40]: Connection closed by 203.0.113.40 port 1 [preauth]"));
  const auto ev =
      f.Feed("srv sshd[40]: error: kex_exchange_identification: Connection closed by remote host");
  REQUIRE(ev);
  CHECK(ev->ip.empty());
}

TEST_CASE("a close after Accepted is an ordinary end of session, not a pre-auth disconnect",
          "[parse]") {
  LineFeeder f;
  REQUIRE(f.Feed(
      "srv sshd[50]: Accepted publickey for git from 192.0.2.50 port 5 ssh2: ED25519 SHA256:abc"));
  const auto ev = f.Feed("srv sshd[50]: Connection closed by 192.0.2.50 port 5");
  REQUIRE(ev);
  CHECK(ev->kind == EventKind::kConnectionClosed);
  // A PID that connected but never logged in: pre-auth, even without " [preauth]".
  REQUIRE(f.Feed("srv sshd[51]: Connection from 192.0.2.51 port 6 on 192.0.2.1 port 22"));
  const auto pre = f.Feed("srv sshd[51]: Connection closed by 192.0.2.51 port 6");
  REQUIRE(pre);
  CHECK(pre->kind == EventKind::kPreauthDisconnect);
}

TEST_CASE("a close with no evidence of a login is pre-auth, whatever its suffix", "[parse]") {
  LineFeeder f;
  // OpenSSH 9.2: a connection that closes during the identification exchange, before the
  // privsep child exists, logs its close without " [preauth]" (and at INFO no
  // "Connection from" line precedes it).
  for (const std::string verb :
       {"Connection closed by ", "Connection reset by ", "Disconnected from "}) {
    INFO(verb);
    const auto ev = f.Feed("srv sshd[52]: " + verb + "192.0.2.52 port 7");
    REQUIRE(ev);
    CHECK(ev->kind == EventKind::kPreauthDisconnect);
    CHECK(ev->ip == "192.0.2.52");
    CHECK(ev->port == 7);
  }
  // The "user X" preamble is set by auth2.c only once authentication succeeded: after a
  // login even when the PID never showed its Accepted line (the user child logs it).
  const auto user = f.Feed("srv sshd[53]: Disconnected from user alice 192.0.2.53 port 8");
  REQUIRE(user);
  CHECK(user->kind == EventKind::kConnectionClosed);
  CHECK(user->user == "alice");
  // ... but not in a line the monitor relayed from before authentication.
  const auto relayed =
      f.Feed("srv sshd[54]: Connection closed by user alice 192.0.2.54 port 9 [preauth]");
  REQUIRE(relayed);
  CHECK(relayed->kind == EventKind::kPreauthDisconnect);
  // A session that logged in, then the table forgot it (its close ended it): the next
  // bare close of that PID (a reused PID) is pre-auth again.
  REQUIRE(f.Feed("srv sshd[55]: Accepted password for bob from 192.0.2.55 port 10 ssh2"));
  REQUIRE(f.Feed("srv sshd[55]: Connection closed by 192.0.2.55 port 10")->kind ==
          EventKind::kConnectionClosed);
  REQUIRE(f.Feed("srv sshd[55]: Connection closed by 192.0.2.56 port 11")->kind ==
          EventKind::kPreauthDisconnect);
}

TEST_CASE("the user child of a logged-in session closes after the login", "[parse]") {
  LineFeeder f;
  // VERBOSE: the monitor logs Accepted and the child's PID; serverloop.c in the child
  // logs the bare close.
  REQUIRE(
      f.Feed("srv sshd[60]: Accepted publickey for git from 192.0.2.60 port 5 ssh2: "
             "ED25519 SHA256:abc"));
  CHECK_FALSE(f.Feed("srv sshd[60]: User child is on pid 61"));
  const auto ev = f.Feed("srv sshd[61]: Connection closed by 192.0.2.60 port 5");
  REQUIRE(ev);
  CHECK(ev->kind == EventKind::kConnectionClosed);
  // The child of a monitor that never logged in, or of one we never saw, is no login.
  REQUIRE(f.Feed("srv sshd[62]: Connection from 192.0.2.62 port 6 on 192.0.2.1 port 22"));
  CHECK_FALSE(f.Feed("srv sshd[62]: User child is on pid 63"));
  CHECK(f.Feed("srv sshd[63]: Connection closed by 192.0.2.62 port 6")->kind ==
        EventKind::kPreauthDisconnect);
  CHECK_FALSE(f.Feed("srv sshd[64]: User child is on pid 65"));
  CHECK(f.Feed("srv sshd[65]: Connection closed by 192.0.2.64 port 6")->kind ==
        EventKind::kPreauthDisconnect);
  // Another host's PID 61 is not this child.
  CHECK(f.Feed("other sshd[61]: Connection closed by 192.0.2.60 port 5")->kind ==
        EventKind::kPreauthDisconnect);
}

TEST_CASE("the session table is bounded and forgets its oldest entries first", "[parse]") {
  LineFeeder f;
  constexpr int kMany = 4096 + 100;
  for (int pid = 1; pid <= kMany; ++pid) {
    const std::string ip = "10." + std::to_string(pid / 65536) + "." +
                           std::to_string((pid / 256) % 256) + "." + std::to_string(pid % 256);
    REQUIRE(f.Feed("srv sshd[" + std::to_string(pid) + "]: Connection from " + ip +
                   " port 2222 on 192.0.2.1 port 22"));
  }
  const auto oldest =
      f.Feed("srv sshd[1]: Disconnecting: Too many authentication failures [preauth]");
  REQUIRE(oldest);
  CHECK(oldest->ip.empty());
  const auto newest = f.Feed("srv sshd[" + std::to_string(kMany) +
                             "]: Disconnecting: Too many authentication failures [preauth]");
  REQUIRE(newest);
  CHECK(newest->ip == "10.0.16.100");
  const auto kept = f.Feed("srv sshd[" + std::to_string(kMany - 4095) +
                           "]: Disconnecting: Too many authentication failures [preauth]");
  REQUIRE(kept);
  CHECK_FALSE(kept->ip.empty());
}

TEST_CASE("9.8+ Timeout before authentication never blames the server's own address", "[parse]") {
  SECTION("the child's PID names the client (9.8 order: server first)") {
    LineFeeder f;
    REQUIRE(f.Feed(
        "srv sshd-session[4242]: Connection from 203.0.113.9 port 6000 on 192.0.2.1 port 22"));
    const auto ev = f.Feed(
        "srv sshd[900]: Timeout before authentication for connection from 192.0.2.1 to "
        "203.0.113.9, pid = 4242");
    REQUIRE(ev);
    CHECK(ev->kind == EventKind::kTimeoutBeforeAuth);
    CHECK(ev->ip == "203.0.113.9");
  }
  SECTION("a known local address is ruled out (9.9+ order: client first)") {
    LineFeeder f;
    REQUIRE(f.Feed("srv sshd[900]: Server listening on 192.0.2.1 port 22."));
    const auto ev = f.Feed(
        "srv sshd[900]: Timeout before authentication for connection from 203.0.113.10 to "
        "192.0.2.1, pid = 77 (early)");
    REQUIRE(ev);
    CHECK(ev->ip == "203.0.113.10");
  }
  SECTION("a known local address is ruled out (9.8 order)") {
    LineFeeder f;
    REQUIRE(
        f.Feed("srv sshd[900]: drop connection #3 from [203.0.113.12]:4 on [192.0.2.1]:22 past "
               "Maxstartups"));
    const auto ev = f.Feed(
        "srv sshd[900]: Timeout before authentication for connection from 192.0.2.1 to "
        "203.0.113.11, pid = 78");
    REQUIRE(ev);
    CHECK(ev->ip == "203.0.113.11");
  }
  SECTION("with nothing known, the 9.9+ order holds: the client is first (issue 14)") {
    // 9.8's swapped order was one release's bug; a line of 9.9+ must carry its client
    // even when neither the PID nor the listen address was seen before.
    LineFeeder f;
    const auto ev = f.Feed(
        "srv sshd[900]: Timeout before authentication for connection from 203.0.113.11 to "
        "192.0.2.1, pid = 78");
    REQUIRE(ev);
    CHECK(ev->ip == "203.0.113.11");
    CHECK(ev->detail == "203.0.113.11 to 192.0.2.1");
  }
}

}  // namespace
}  // namespace sshd_health
