// `sshd-health check` end to end: the real binary over temporary sshd configurations and
// host keys made with ssh-keygen; findings and Nagios exit status.
#include <pwd.h>

#include <catch2/catch.hpp>

#include "audit_fixture.h"

namespace {

using test::AuditFixture;

constexpr int kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3;

void WithKeys(AuditFixture& fx) {
  fx.MakeKey("ed25519");
  fx.MakeKey("ecdsa");
  fx.WriteSshdConfig({"ed25519", "ecdsa"});
}

const std::vector<std::string> kConfigAndKeys = {"--only", "config", "--only", "host_keys"};

}  // namespace

TEST_CASE("check: a clean temporary sshd setup is OK", "[audit][e2e]") {
  AuditFixture fx;
  WithKeys(fx);
  const auto r = fx.Run(kConfigAndKeys);
  INFO(r.out);
  CHECK(r.exit_code == kOk);
  CHECK(r.report["status"] == "ok");
  CHECK(r.report["checks"].size() == 2);
  CHECK(r.Check("config")["detail"].get<std::string>().find("sshd -T -f " + fx.sshd_config()) !=
        std::string::npos);
  CHECK(r.Check("host_keys")["findings"].empty());
}

TEST_CASE("check: a stopped sshd's missing /run/sshd is no config error", "[audit][e2e]") {
  // ssh.service removes /run/sshd as sshd stops, and the real sshd -t and -T then refuse
  // to run. A private mount namespace with an empty /run is that host.
  AuditFixture fx;
  WithKeys(fx);
  const auto r = fx.Run(kConfigAndKeys, true,
                        {"unshare", "-m", "--propagation", "private", "sh", "-c",
                         "mount -t tmpfs tmpfs /run && exec \"$0\" \"$@\""});
  INFO(r.out);
  CHECK(r.Findings("config.invalid").empty());
  CHECK(r.exit_code == kOk);
  const std::string detail = r.Check("config")["detail"].get<std::string>();
  CHECK(detail.find("`sshd -t` could not run: Missing privilege separation directory: /run/sshd "
                    "(made by ssh.service when it starts sshd: is sshd stopped?)") !=
        std::string::npos);
  CHECK(detail.find("parsed " + fx.sshd_config()) != std::string::npos);
  CHECK(r.out.find("\\x0d") == std::string::npos);  // sshd's "\r\n" is no part of it
}

TEST_CASE("check: host key problems each make their finding and exit status", "[audit][e2e]") {
  AuditFixture fx;
  WithKeys(fx);
  SECTION("private key mode 0644") {
    ::chmod(fx.key("ecdsa").c_str(), 0644);
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kCritical);
    const auto f = r.Findings("host_key.mode");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["subject"] == fx.key("ecdsa"));
    CHECK(f[0]["severity"] == "critical");
  }
  SECTION("public key not world-readable") {
    ::chmod((fx.key("ecdsa") + ".pub").c_str(), 0600);
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    REQUIRE(r.Findings("host_key.mode").size() == 1);
  }
  SECTION("owned by nobody") {
    const passwd* nobody = ::getpwnam("nobody");
    REQUIRE(nobody);
    REQUIRE(::chown(fx.key("ed25519").c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kCritical);
    const auto f = r.Findings("host_key.owner");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["subject"] == fx.key("ed25519"));
  }
  SECTION("missing key") {
    fx.WriteSshdConfig({"ed25519", "ecdsa", "rsa"});
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kCritical);
    const auto f = r.Findings("host_key.missing");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["subject"] == fx.key("rsa"));
    CHECK(f[0]["remedy"].get<std::string>().find("ssh-keygen -A") != std::string::npos);
  }
  SECTION("public key of another pair") {
    const std::string other = fx.dir() + "/other";
    test::RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other});
    test::WriteFile(fx.key("ed25519") + ".pub", test::ReadFile(other + ".pub"));
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    REQUIRE(r.Findings("host_key.mismatch").size() == 1);
  }
  SECTION("a regenerated key is a changed fingerprint, reported with both fingerprints") {
    REQUIRE(fx.Run(kConfigAndKeys).exit_code == kOk);  // records the fingerprints
    const auto old_fp = test::RunCommand({"ssh-keygen", "-lf", fx.key("ed25519") + ".pub"}).out;
    fx.MakeKey("ed25519");
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    const auto f = r.Findings("host_key.changed");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["summary"].get<std::string>().find(old_fp.substr(4, 50)) != std::string::npos);
  }
}

TEST_CASE("check: configuration findings from the real sshd -t and sshd -T", "[audit][e2e]") {
  AuditFixture fx;
  WithKeys(fx);
  SECTION("a broken directive is config.invalid quoting sshd") {
    fx.WriteSshdConfig({"ed25519"}, "NoSuchDirective yes\n");
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kCritical);
    const auto f = r.Findings("config.invalid");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["summary"].get<std::string>().find("Bad configuration option: NoSuchDirective") !=
          std::string::npos);
    // sshd -T fails too, so the effective config comes from our own reading.
    CHECK(r.Check("config")["detail"].get<std::string>().find("parsed " + fx.sshd_config()) !=
          std::string::npos);
  }
  SECTION("an added legacy KEX is critical") {
    fx.WriteSshdConfig({"ed25519"}, "KexAlgorithms +diffie-hellman-group1-sha1\n");
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kCritical);
    const auto f = r.Findings("config.weak_algorithm");
    bool found = false;
    for (const auto& x : f)
      found =
          found || (x["subject"] == "diffie-hellman-group1-sha1" && x["severity"] == "critical");
    CHECK(found);
  }
  SECTION("added CBC ciphers are warnings, one per algorithm") {
    fx.WriteSshdConfig({"ed25519"}, "Ciphers +aes128-cbc,aes256-cbc\n");
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    int cbc = 0;
    for (const auto& x : r.Findings("config.weak_algorithm")) cbc += x["severity"] == "warning";
    CHECK(cbc == 2);
  }
  SECTION("PermitRootLogin yes is a warning") {
    fx.WriteSshdConfig({"ed25519"}, "PermitRootLogin yes\n");
    const auto r = fx.Run(kConfigAndKeys);
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    REQUIRE(r.Findings("config.risky_setting").size() == 1);
  }
}

TEST_CASE("check: Debian 12's stock sshd_config audits OK with at most info", "[audit][e2e]") {
  AuditFixture fx;
  const auto r =
      fx.Run({"--sshd-config", std::string(SSHD_HEALTH_TEST_DATA) + "/audit/debian12_sshd_config",
              "--only", "config"});
  INFO(r.out);
  CHECK(r.exit_code == kOk);
  CHECK(r.report["status"] == "ok");
  for (const auto& c : r.report["checks"]) {
    for (const auto& f : c["findings"]) CHECK(f["severity"] == "info");
  }
}

TEST_CASE("check: text output starts with a Nagios status line", "[audit][e2e]") {
  AuditFixture fx;
  WithKeys(fx);
  ::chmod(fx.key("ecdsa").c_str(), 0644);
  std::vector<std::string> args = kConfigAndKeys;
  const auto r = fx.Run(args, false);
  CHECK(r.exit_code == kCritical);
  CHECK(r.out.rfind("SSHD-HEALTH CRITICAL - 1 critical", 0) == 0);
  CHECK(r.out.find("| critical=1 warning=0") != std::string::npos);
  CHECK(r.out.find("host_key.mode " + fx.key("ecdsa")) != std::string::npos);
}

TEST_CASE("check: an unknown check name is UNKNOWN", "[audit][e2e]") {
  AuditFixture fx;
  const auto r = fx.Run({"--only", "nonsense"});
  CHECK(r.exit_code == kUnknown);
}

namespace {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

}  // namespace

TEST_CASE("check: config.maxstartups from drops in the configured log within the last hour",
          "[audit][e2e]") {
  AuditFixture fx;
  WithKeys(fx);
  const std::string log = fx.dir() + "/auth.log";
  test::WriteFile(fx.config_yaml(),
                  "state_dir: " + fx.dir() +
                      "/state\n"
                      "sources:\n  journal: { enabled: false }\n  files: [ { path: " +
                      log +
                      " } ]\n"
                      "audit:\n  sshd_binary: /usr/sbin/sshd\n  sshd_config: " +
                      fx.sshd_config() + "\n");
  const auto now = std::chrono::system_clock::now();
  auto drop_line = [](const std::string& ts, int n) {
    return ts + " host sshd[812]: drop connection #" + std::to_string(n) +
           " from [192.0.2.7]:50270 on [127.0.0.1]:22 past MaxStartups\n";
  };
  SECTION("old drops only: no finding") {
    test::WriteFile(log, drop_line(Rfc3339(now - std::chrono::hours(3)), 1));
    const auto r = fx.Run({"--only", "config"});
    INFO(r.out);
    CHECK(r.exit_code == kOk);
    CHECK(r.Check("config")["detail"].get<std::string>().find("0 drops in the last hour") !=
          std::string::npos);
  }
  SECTION("recent drops with the default MaxStartups: warning") {
    test::WriteFile(log, drop_line(Rfc3339(now - std::chrono::hours(3)), 1) +
                             drop_line(Rfc3339(now - std::chrono::minutes(5)), 2) +
                             drop_line(Rfc3339(now - std::chrono::minutes(1)), 3));
    const auto r = fx.Run({"--only", "config"});
    INFO(r.out);
    CHECK(r.exit_code == kWarning);
    const auto f = r.Findings("config.maxstartups");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["subject"] == "MaxStartups 10:30:100");
    CHECK(f[0]["summary"].get<std::string>().rfind("2 connections", 0) == 0);
  }
}
