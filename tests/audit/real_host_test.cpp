// RealHost's own pieces against real sockets and processes: banner probe outcomes,
// commands with a timeout.
#include "audit/real_host.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

using namespace sshd_health;

namespace {

// A loopback listener that sends `greeting` to each connection it accepts (none when
// empty), then keeps it open until destroyed.
class FakeServer {
 public:
  explicit FakeServer(std::string greeting) : greeting_(std::move(greeting)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      client_ = c;
      if (!greeting_.empty()) (void)!::write(c, greeting_.data(), greeting_.size());
    });
  }
  ~FakeServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    if (client_ >= 0) ::close(client_);
  }
  int port() const { return port_; }

 private:
  std::string greeting_;
  int fd_ = -1;
  int client_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("the banner probe reads an identification after other lines", "[audit]") {
  FakeServer server("Welcome\r\nSSH-2.0-Test_1.0 comment\r\n");
  const auto p = RealHost().ProbeBanner("127.0.0.1", server.port(), std::chrono::seconds(5));
  CHECK(p.outcome == BannerProbe::Outcome::kOk);
  CHECK(p.banner == "SSH-2.0-Test_1.0 comment");
}

TEST_CASE("the banner probe reports any identification line and leaves the version to the check",
          "[audit]") {
  FakeServer server("SSH-1.5-Ancient\r\n");
  const auto p = RealHost().ProbeBanner("127.0.0.1", server.port(), std::chrono::seconds(5));
  CHECK(p.outcome == BannerProbe::Outcome::kOk);
  CHECK(p.banner == "SSH-1.5-Ancient");
}

TEST_CASE("the banner probe calls a server without an SSH- line a bad banner", "[audit]") {
  FakeServer server(std::string(9000, 'x'));
  const auto p = RealHost().ProbeBanner("127.0.0.1", server.port(), std::chrono::seconds(5));
  CHECK(p.outcome == BannerProbe::Outcome::kBadBanner);
  CHECK(p.banner.size() == 255);
}

TEST_CASE("the banner probe times out on a silent server", "[audit]") {
  FakeServer server("");
  const auto p = RealHost().ProbeBanner("127.0.0.1", server.port(), std::chrono::milliseconds(300));
  CHECK(p.outcome == BannerProbe::Outcome::kTimeout);
}

TEST_CASE("commands run without a shell, with stdout, stderr and exit status", "[audit]") {
  RealHost host;
  auto r =
      host.RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"}, std::chrono::seconds(10));
  REQUIRE(r);
  CHECK(r->exit_code == 3);
  CHECK(r->out == "out\n");
  CHECK(r->err == "err\n");
  CHECK_FALSE(host.RunCommand({"/nonexistent/program"}, std::chrono::seconds(1)));
}

TEST_CASE("a command that outlives its timeout is killed", "[audit]") {
  auto r = RealHost().RunCommand({"sleep", "30"}, std::chrono::milliseconds(200));
  REQUIRE(r);
  CHECK(r->timed_out);
  CHECK(r->exit_code == -1);
}
