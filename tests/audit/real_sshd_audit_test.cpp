// Liveness and stale libraries against a real sshd on 127.0.0.1, through the real
// `sshd-health check` binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "audit/banner_probe.h"
#include "audit_fixture.h"
#include "real_sshd.h"

namespace {

// A TCP connection that stays open, unauthenticated, until destroyed.
class IdleConnection {
 public:
  IdleConnection(const std::string& address, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~IdleConnection() { ::close(fd_); }
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;

 private:
  int fd_ = -1;
};

test::CheckRun RunCheck(const test::AuditFixture& fx, const test::RealSshd& sshd,
                        const std::string& only) {
  return fx.Run({"--sshd-config", sshd.config_path(), "--only", only});
}

std::string LibzPath() {
  for (const char* p : {"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                        "/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib64/libz.so.1"}) {
    if (std::filesystem::exists(p)) return std::filesystem::canonical(p).string();
  }
  return "";
}

}  // namespace

TEST_CASE("liveness: a running sshd answers the probe - a stopped one refuses", "[audit][sshd]") {
  test::AuditFixture fx;
  TempDir sshd_dir;
  test::RealSshd sshd(sshd_dir.path());
  sshd.Start();
  auto r = RunCheck(fx, sshd, "liveness");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  const std::string detail = r.Check("liveness")["detail"];
  CHECK(detail.find("banner \"SSH-2.0-OpenSSH_") != std::string::npos);
  CHECK(detail.find(" ms") != std::string::npos);

  sshd.Stop();
  r = RunCheck(fx, sshd, "liveness");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  const auto f = r.Findings("liveness.refused");
  REQUIRE(f.size() == 1);
  CHECK(f[0]["subject"] == "127.0.0.1:" + std::to_string(sshd.port()));
}

TEST_CASE("the probe identifies itself: sshd logs it as a probe from the endpoint it recorded",
          "[audit][sshd]") {
  TempDir sshd_dir;
  test::RealSshd::Options options;
  options.address = "127.0.0.7";
  test::RealSshd sshd(sshd_dir.path(), options);
  sshd.Start();
  sshd_health::ProbeLedger ledger;
  const auto p =
      sshd_health::ReadSshBanner(sshd.address(), sshd.port(), std::chrono::seconds(5), &ledger);
  REQUIRE(p.outcome == sshd_health::BannerProbe::Outcome::kOk);
  const auto recorded = ledger.Recent();
  REQUIRE(recorded.size() == 1);
  const auto& c = recorded[0];
  CHECK(c.reached_sshd);
  // The time to the banner, for sshd_health_probe_latency_seconds: what the probe measured.
  CHECK(c.banner_latency.count() > 0);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(c.banner_latency) == p.latency);
  CHECK(c.target_address == "127.0.0.7");
  CHECK(c.local_port > 0);
  // What sshd logged names exactly the endpoint the ledger holds (compat.c "Probe-*").
  const std::string id = c.local_address + " port " + std::to_string(c.local_port);
  const std::string expected =
      "probed from " + id + " with " + sshd_health::kProbeIdentification + ".  Don't panic.";
  REQUIRE(test::WaitFor([&] { return sshd.Log().find(expected) != std::string::npos; },
                        std::chrono::seconds(10)));
  INFO(sshd.Log());
  CHECK(sshd.Log().find("Connection from " + id + " on ") != std::string::npos);

  SECTION("a probe that finds nothing listening is recorded as not reaching sshd") {
    sshd.Stop();
    const auto refused =
        sshd_health::ReadSshBanner(sshd.address(), sshd.port(), std::chrono::seconds(5), &ledger);
    CHECK(refused.outcome == sshd_health::BannerProbe::Outcome::kRefused);
    const auto now = ledger.Recent();
    REQUIRE(now.size() == 2);
    CHECK_FALSE(now[1].reached_sshd);
  }
}

TEST_CASE("liveness: MaxStartups full of idle connections is no_banner", "[audit][sshd]") {
  test::AuditFixture fx;
  TempDir sshd_dir;
  test::RealSshd::Options options;
  options.extra_config = {"MaxStartups 1"};
  test::RealSshd sshd(sshd_dir.path(), options);
  sshd.Start();
  IdleConnection hog(sshd.address(), sshd.port());
  // sshd counts the hog once its listener accepted it (it logs "Connection from").
  REQUIRE(test::WaitFor(
      [&] { return sshd.Log().find("Connection from 127.0.0.1") != std::string::npos; },
      std::chrono::seconds(10)));
  const auto r = RunCheck(fx, sshd, "liveness");
  INFO(r.out << sshd.Log());
  CHECK(r.exit_code == 2);
  const auto f = r.Findings("liveness.no_banner");
  REQUIRE(f.size() == 1);
  CHECK(f[0]["summary"].get<std::string>().find("kex_exchange_identification") !=
        std::string::npos);
  CHECK(f[0]["summary"].get<std::string>().find("(it said \"Exceeded MaxStartups\")") !=
        std::string::npos);
  CHECK(sshd.Log().find("past MaxStartups") != std::string::npos);
}

TEST_CASE("stale_libraries: sshd running a replaced copy of libz is found until restarted",
          "[audit][sshd]") {
  const std::string libz = LibzPath();
  REQUIRE_FALSE(libz.empty());
  test::AuditFixture fx;
  TempDir sshd_dir;
  const std::string lib_dir = sshd_dir.path() + "/lib";
  std::filesystem::create_directories(lib_dir);
  const std::string copy = lib_dir + "/libz.so.1";
  std::filesystem::copy_file(libz, copy);
  test::RealSshd::Options options;
  options.env = {"LD_LIBRARY_PATH=" + lib_dir};
  test::RealSshd sshd(sshd_dir.path(), options);
  sshd.Start();
  REQUIRE(test::ReadFile("/proc/" + std::to_string(sshd.pid()) + "/maps").find(copy) !=
          std::string::npos);

  auto r = RunCheck(fx, sshd, "stale_libraries");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.Check("stale_libraries")["detail"].get<std::string>().find("PidFile") !=
        std::string::npos);

  SECTION("replaced by rename: the old copy is \"(deleted)\"") {
    std::filesystem::copy_file(libz, copy + ".new");
    std::filesystem::rename(copy + ".new", copy);
  }
  SECTION("replaced while the old inode stays linked elsewhere: inode mismatch") {
    std::filesystem::create_hard_link(copy, lib_dir + "/libz.so.1.old");
    std::filesystem::copy_file(libz, copy + ".new");
    std::filesystem::rename(copy + ".new", copy);
  }
  r = RunCheck(fx, sshd, "stale_libraries");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  const auto f = r.Findings("stale_library.sshd");
  REQUIRE(f.size() == 1);
  CHECK(f[0]["subject"] == copy);
  CHECK(f[0]["severity"] == "critical");
  CHECK(f[0]["remedy"].get<std::string>().find("systemctl restart ssh") != std::string::npos);

  sshd.Stop();
  sshd.Start();
  r = RunCheck(fx, sshd, "stale_libraries");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.Findings("stale_library.sshd").empty());
}

TEST_CASE(
    "vulnerabilities: Debian 12's running stock sshd is judged by its package, not its "
    "banner",
    "[audit][sshd]") {
  test::AuditFixture fx;
  TempDir sshd_dir;
  test::RealSshd sshd(sshd_dir.path());
  sshd.Start();
  auto r = RunCheck(fx, sshd, "vulnerabilities");
  INFO(r.out);
  const std::string detail = r.Check("vulnerabilities")["detail"].get<std::string>();
  // The listener found through its PidFile runs the very binary on disk.
  CHECK(detail.find("running sshd pid " + std::to_string(sshd.pid()) +
                    " is the installed binary") != std::string::npos);
  if (detail.find("1:9.2p1-2+deb12u") != std::string::npos) {
    // The banner says OpenSSH_9.2p1 (inside regreSSHion's and Terrapin's ranges); Debian
    // fixed both, so nothing is found.
    CHECK(r.exit_code == 0);
    CHECK(r.Check("vulnerabilities")["findings"].empty());
    CHECK(detail.find("CVE-2024-6387 (regreSSHion): fixed") != std::string::npos);
  }
}
