// The same event as successive OpenSSH releases log it (daemon/parse/openssh_formats.h).
#include <catch2/catch.hpp>

#include "parse_helpers.h"

namespace sshd_health {
namespace {

using test::LineFeeder;
using test::MustParse;

TEST_CASE("MaxStartups drops from 7.4 to 10.x", "[parse]") {
  struct Case {
    const char* release;
    const char* line;
    EventKind kind;
    const char* detail;
  };
  const Case c = GENERATE(
      Case{"7.4-9.7", "drop connection #10 from [203.0.113.1]:5 on [192.0.2.1]:22 past MaxStartups",
           EventKind::kMaxStartupsDrop, "past MaxStartups"},
      Case{"9.8-9.9", "drop connection #10 from [203.0.113.1]:5 on [192.0.2.1]:22 past Maxstartups",
           EventKind::kMaxStartupsDrop, "past Maxstartups"},
      Case{"10.0+", "drop connection #10 from [203.0.113.1]:5 on [192.0.2.1]:22 Maxstartups",
           EventKind::kMaxStartupsDrop, "Maxstartups"},
      Case{"9.8+ penalty",
           "drop connection #0 from [203.0.113.1]:5 on [192.0.2.1]:22 penalty: caused crash",
           EventKind::kPenaltyDrop, "penalty: caused crash"},
      Case{"10.0+ penalty",
           "drop connection #0 from [203.0.113.1]:5 on [192.0.2.1]:22 penalty: connection "
           "prohibited by RefuseConnection",
           EventKind::kPenaltyDrop, "penalty: connection prohibited by RefuseConnection"},
      Case{"10.3+ penalty",
           "drop connection #0 from [203.0.113.1]:5 on [192.0.2.1]:22 penalty: attempted "
           "authentication by invalid user",
           EventKind::kPenaltyDrop, "penalty: attempted authentication by invalid user"});
  INFO(c.release);
  const auto ev = MustParse(std::string("Nov 21 16:31:28 h sshd[902]: ") + c.line);
  CHECK(ev.kind == c.kind);
  CHECK(ev.ip == "203.0.113.1");
  CHECK(ev.port == 5);
  CHECK(ev.detail == c.detail);
}

TEST_CASE("banner exchange failures with and without the 10.3 [preauth] suffix", "[parse]") {
  for (const char* line :
       {"h sshd[1]: banner exchange: Connection from 203.0.113.1 port 5: invalid format",
        "h sshd-session[1]: banner exchange: Connection from 203.0.113.1 port 5: invalid format "
        "[preauth]"}) {
    INFO(line);
    const auto ev = MustParse(line);
    CHECK(ev.kind == EventKind::kBannerInvalid);
    CHECK(ev.ip == "203.0.113.1");
  }
}

TEST_CASE("host key load failures: 'Could not load' before 8.0, 'Unable to load' after",
          "[parse]") {
  for (const char* line : {"h sshd[1]: error: Could not load host key: /etc/ssh/ssh_host_rsa_key",
                           "h sshd[1]: Unable to load host key: /etc/ssh/ssh_host_rsa_key",
                           "h sshd[1]: error: Unable to load host key "
                           "\"/etc/ssh/ssh_host_rsa_key\": bad permissions"}) {
    INFO(line);
    const auto ev = MustParse(line);
    CHECK(ev.kind == EventKind::kHostKeyLoadFailure);
    CHECK(ev.detail == "/etc/ssh/ssh_host_rsa_key");
  }
}

TEST_CASE("Timeout before authentication: 7.4-9.7 names the client, 9.8+ names the child",
          "[parse]") {
  SECTION("7.4-9.7 sigdie") {
    const auto ev =
        MustParse("h sshd[1]: fatal: Timeout before authentication for 2001:db8::5 port 6000");
    CHECK(ev.kind == EventKind::kTimeoutBeforeAuth);
    CHECK(ev.ip == "2001:db8::5");
    CHECK(ev.port == 6000);
  }
  SECTION("9.8+ child_reap, non-TCP child") {
    const auto ev = MustParse(
        "h sshd[900]: Timeout before authentication for connection from 203.0.113.5, pid = 12");
    CHECK(ev.ip == "203.0.113.5");
  }
}

TEST_CASE("rejected public key algorithms across 7.4, 8.5 and 9.0 wording", "[parse]") {
  for (const char* line :
       {"h sshd[1]: userauth_pubkey: key type ssh-rsa not in PubkeyAcceptedKeyTypes [preauth]",
        "h sshd[1]: userauth_pubkey: key type ssh-rsa not in PubkeyAcceptedAlgorithms [preauth]",
        "h sshd-session[1]: userauth_pubkey: signature algorithm ssh-rsa not in "
        "PubkeyAcceptedAlgorithms [preauth]"}) {
    INFO(line);
    const auto ev = MustParse(line);
    CHECK(ev.kind == EventKind::kPubkeyAlgRejected);
    CHECK(ev.detail == "ssh-rsa");
  }
}

TEST_CASE("Too many authentication failures: 7.4 without address, 7.5+ with the connection id",
          "[parse]") {
  SECTION("7.4 takes the address from the PID") {
    LineFeeder f;
    REQUIRE(f.Feed("h sshd[3]: Failed password for git from 203.0.113.3 port 7 ssh2"));
    const auto ev =
        f.Feed("h sshd[3]: Disconnecting: Too many authentication failures for git [preauth]");
    REQUIRE(ev);
    CHECK(ev->kind == EventKind::kTooManyAuthFailures);
    CHECK(ev->ip == "203.0.113.3");
  }
  SECTION("7.5+") {
    const auto ev = MustParse(
        "h sshd[3]: Disconnecting authenticating user git 203.0.113.3 port 7: Too many "
        "authentication failures [preauth]");
    CHECK(ev.kind == EventKind::kTooManyAuthFailures);
    CHECK(ev.ip == "203.0.113.3");
    CHECK(ev.user == "git");
  }
}

TEST_CASE("identification failures: 7.x sshd.c wording and 8.0+ kex.c wording", "[parse]") {
  SECTION("7.x") {
    const auto ev =
        MustParse("h sshd[4]: Did not receive identification string from 203.0.113.4 port 9");
    CHECK(ev.kind == EventKind::kKexIdentFailure);
    CHECK(ev.ip == "203.0.113.4");
  }
  SECTION("8.0+ with the address from the PID's Connection line") {
    LineFeeder f;
    REQUIRE(f.Feed("h sshd[4]: Connection from 203.0.113.4 port 9 on 192.0.2.1 port 22"));
    const auto ev =
        f.Feed("h sshd[4]: error: kex_exchange_identification: Connection closed by remote host");
    REQUIRE(ev);
    CHECK(ev->kind == EventKind::kKexIdentFailure);
    CHECK(ev->ip == "203.0.113.4");
  }
  SECTION("8.0+ timeout") {
    const auto ev = MustParse("h sshd[4]: error: Connection timed out during banner exchange");
    CHECK(ev.kind == EventKind::kKexIdentFailure);
  }
}

TEST_CASE("pre-auth closes: 7.4 bare address, 7.5+ with user preamble", "[parse]") {
  const auto bare = MustParse("h sshd[5]: Connection closed by 203.0.113.5 port 10 [preauth]");
  CHECK(bare.kind == EventKind::kPreauthDisconnect);
  CHECK(bare.user.empty());
  const auto user = MustParse(
      "h sshd-session[5]: Connection closed by invalid user oracle 203.0.113.5 port 10 [preauth]");
  CHECK(user.kind == EventKind::kPreauthDisconnect);
  CHECK(user.user == "oracle");
}

TEST_CASE("lines from sshd, sshd-session and sshd-auth are all sshd's - other programs are not",
          "[parse]") {
  for (const char* prog : {"sshd", "sshd-session", "sshd-auth"}) {
    const auto ev =
        MustParse(std::string("h ") + prog + "[9]: Invalid user x from 203.0.113.9 port 1");
    CHECK(ev.kind == EventKind::kInvalidUser);
  }
  LineFeeder f;
  CHECK_FALSE(f.Feed("h su[9]: Invalid user x from 203.0.113.9 port 1"));
}

}  // namespace
}  // namespace sshd_health
