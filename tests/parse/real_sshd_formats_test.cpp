// The installed OpenSSH (Debian 12: 9.2p1) logs what the parser expects: a real sshd on
// loopback, real clients provoking each failure, its own log lines parsed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "parse/sshd_parser.h"
#include "real_sshd.h"
#include "temp_dir.h"

namespace sshd_health {
namespace {

using namespace std::chrono_literals;

// Connects to the server, sends `payload` (may be empty) and reads until it closes.
void RawTcp(const test::RealSshd& sshd, const std::string& payload) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(sshd.port()));
  ::inet_pton(AF_INET, sshd.address().c_str(), &addr.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  if (!payload.empty()) {
    CHECK(::write(fd, payload.data(), payload.size()) == static_cast<ssize_t>(payload.size()));
    char buf[512];
    while (::read(fd, buf, sizeof buf) > 0) {
    }
  }
  ::close(fd);
}

struct Seen {
  std::vector<SshdEvent> events;
  std::vector<std::string> lines;  // owns the text the events' views point into
  bool Has(EventKind kind, const std::string& ip = "") const {
    for (const auto& e : events) {
      if (e.kind == kind && (ip.empty() || e.ip == ip)) return true;
    }
    return false;
  }
};

// sshd -E writes bare messages (no time, no program): give them the program name.
Seen ParseLog(const std::string& log) {
  Seen seen;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    seen.lines.push_back(line);
  }
  SshdParser parser;
  for (const auto& line : seen.lines) {
    LogRecord rec;
    rec.program = "sshd";
    rec.message = line;
    rec.line = line;
    if (auto ev = parser.Parse(rec)) seen.events.push_back(*ev);
  }
  return seen;
}

TEST_CASE(
    "a real sshd's own lines for failed logins, legacy clients and scanners parse into events",
    "[parse][sshd]") {
  TempDir dir;
  test::RealSshd sshd(dir.path());
  sshd.Start();

  CHECK(sshd.Client("nosuchuser", {}, "wrong-password").exit_code != 0);
  CHECK(sshd.Client("nosuchuser", {"-oKexAlgorithms=diffie-hellman-group1-sha1"}).exit_code != 0);
  RawTcp(sshd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  RawTcp(sshd, "");
  REQUIRE(test::WaitFor(
      [&] {
        const auto log = sshd.Log();
        return log.find("Unable to negotiate") != std::string::npos &&
               log.find("Failed password") != std::string::npos &&
               log.find("invalid format") != std::string::npos &&
               log.find("kex_exchange_identification: Connection closed by remote host") !=
                   std::string::npos;
      },
      15s));
  sshd.Stop();
  REQUIRE(
      test::WaitFor([&] { return sshd.Log().find("Received signal") != std::string::npos; }, 5s));

  const Seen seen = ParseLog(sshd.Log());
  if (std::getenv("SHOW_SSHD_LOG")) std::cout << sshd.Log();
  INFO(sshd.Log());
  CHECK(seen.Has(EventKind::kSshdStarted));
  CHECK(seen.Has(EventKind::kConnectionOpened, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kInvalidUser, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kAuthFailure, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kPreauthDisconnect, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kKexNegotiationFailure, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kBannerInvalid, "127.0.0.1"));
  CHECK(seen.Has(EventKind::kKexIdentFailure));
  CHECK(seen.Has(EventKind::kSshdStopped));
  for (const auto& e : seen.events) {
    if (e.kind == EventKind::kAuthFailure) CHECK(e.user == "nosuchuser");
    if (e.kind == EventKind::kKexNegotiationFailure) {
      CHECK(e.detail.find("no matching key exchange method found") != std::string::npos);
      CHECK(e.detail.find("diffie-hellman-group1-sha1") != std::string::npos);
    }
    CHECK((e.ip.empty() || e.ip == "127.0.0.1"));
  }
  // Nobody logged in. The connection that closed during the identification exchange
  // logged "Connection closed by 127.0.0.1 port P" without " [preauth]" (9.2: before the
  // privsep child exists); it is a pre-auth disconnect all the same.
  CHECK_FALSE(seen.Has(EventKind::kConnectionClosed));
  int bare_closes = 0;
  for (const auto& e : seen.events) {
    if (e.line.rfind("Connection closed by 127.0.0.1 port ", 0) == 0 &&
        e.line.find("[preauth]") == std::string_view::npos) {
      ++bare_closes;
      CHECK(e.kind == EventKind::kPreauthDisconnect);
    }
  }
  CHECK(bare_closes == 1);
}

TEST_CASE("a real login's end is a connection_closed, the failed logins' are pre-auth",
          "[parse][sshd]") {
  TempDir dir;
  const std::string key = dir.path() + "/client_key";
  REQUIRE(test::RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}).exit_code ==
          0);
  test::WriteFile(dir.path() + "/authorized_keys", test::ReadFile(key + ".pub"));
  test::RealSshd::Options options;
  options.extra_config = {"AuthorizedKeysFile " + dir.path() + "/authorized_keys",
                          "StrictModes no"};
  test::RealSshd sshd(dir.path(), options);
  sshd.Start();
  const auto login = sshd.Client("root", {"-i", key, "-oIdentitiesOnly=yes"});
  INFO(login.out);
  REQUIRE(login.exit_code == 0);
  CHECK(sshd.Client("nosuchuser", {}, "wrong-password").exit_code != 0);
  REQUIRE(test::WaitFor(
      [&] {
        const auto log = sshd.Log();
        return log.find("Disconnected from user root") != std::string::npos &&
               log.find("Connection closed by invalid user nosuchuser") != std::string::npos;
      },
      15s));
  sshd.Stop();
  const Seen seen = ParseLog(sshd.Log());
  if (std::getenv("SHOW_SSHD_LOG")) std::cout << sshd.Log();
  INFO(sshd.Log());
  CHECK(seen.Has(EventKind::kAuthSuccess, "127.0.0.1"));
  int closed = 0;
  for (const auto& e : seen.events) {
    if (e.kind == EventKind::kConnectionClosed) {
      ++closed;
      CHECK(e.user == "root");
      CHECK(e.ip == "127.0.0.1");
    }
    if (e.line.find("nosuchuser") != std::string_view::npos &&
        e.line.rfind("Connection closed", 0) == 0) {
      CHECK(e.kind == EventKind::kPreauthDisconnect);
    }
  }
  CHECK(closed == 1);
}

}  // namespace
}  // namespace sshd_health
