// The sshd_config reader and the "config" check, on a FakeHost.
#include "audit/config_check.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "audit/sshd_config_view.h"
#include "audit_test_util.h"
#include "fake_host.h"

using namespace sshd_health;

namespace {

std::string ReadData(const std::string& name) {
  std::ifstream in(std::string(SSHD_HEALTH_TEST_DATA) + "/audit/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Finding> RunConfig(const SshdConfigView& view, std::optional<long> drops = std::nullopt,
                               std::string test_error = "", int major = 9, int minor = 2) {
  AuditContext ctx;
  ctx.settings.recent_maxstartups_drops = drops;
  ctx.sshd.config = view;
  ctx.sshd.test_ran = true;
  ctx.sshd.test_error = std::move(test_error);
  ctx.sshd.version_major = major;
  ctx.sshd.version_minor = minor;
  ctx.sshd.version = "OpenSSH_" + std::to_string(major) + "." + std::to_string(minor);
  ConfigCheck check(ctx);
  test::FakeHost host;
  auto r = check.Run(host);
  REQUIRE(r);
  CHECK(test::AllCatalogued(*r));
  return *r;
}

SshdConfigView Parse(test::FakeHost& host, const std::string& text) {
  host.AddFile("/etc/ssh/sshd_config", text);
  auto r = ParseSshdConfigFile(host, "/etc/ssh/sshd_config");
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE(
    "the sshd_config reader follows Include globs, skips Match blocks and keeps the first value",
    "[audit]") {
  test::FakeHost host;
  host.AddFile("/etc/ssh/sshd_config.d/10-a.conf", "PermitRootLogin yes\nPort 2200\n");
  host.AddFile("/etc/ssh/sshd_config.d/20-b.conf",
               "PermitRootLogin no\nMatch User bob\n  PasswordAuthentication no\n");
  host.AddFile("/etc/ssh/sshd_config.d/ignored.txt", "LogLevel QUIET\n");
  const auto view = Parse(host,
                          "Include sshd_config.d/*.conf\n"
                          "PermitRootLogin prohibit-password\n"
                          "Port 22\n"
                          "HostKey /k1\nHostKey=/k2\n"
                          "Match Address 10.0.0.0/8\n"
                          "  LogLevel DEBUG\n"
                          "Match all\n"
                          "MaxStartups 20:30:60\n");
  CHECK(view.Get("permitrootlogin") == "yes");
  CHECK(view.GetAll("port") == std::vector<std::string>{"2200", "22"});
  CHECK(view.GetAll("hostkey") == std::vector<std::string>{"/k1", "/k2"});
  CHECK(view.Get("passwordauthentication") == "yes");  // only inside Match: default applies
  CHECK(view.Get("loglevel") == "INFO");         // Match Address block skipped; .txt not included
  CHECK(view.Get("maxstartups") == "20:30:60");  // after "Match all": global again
  CHECK(view.Get("pidfile") == "/run/sshd.pid");
}

TEST_CASE("algorithm lists with +, - and ^ modify OpenSSH's defaults", "[audit]") {
  test::FakeHost host;
  const auto view = Parse(
      host, "KexAlgorithms +diffie-hellman-group1-sha1\nMACs -hmac-sha1,umac-64@openssh.com\n");
  const auto kex = SplitList(view.Get("kexalgorithms"));
  CHECK(kex.back() == "diffie-hellman-group1-sha1");
  CHECK(kex.size() == DefaultAlgorithmLists().at("kexalgorithms").size() + 1);
  const auto macs = SplitList(view.Get("macs"));
  CHECK(std::find(macs.begin(), macs.end(), "hmac-sha1") == macs.end());
  CHECK(std::find(macs.begin(), macs.end(), "hmac-sha2-256") != macs.end());
}

TEST_CASE("Debian 12's stock sshd_config audits OK with at most info findings", "[audit]") {
  test::FakeHost host;
  const auto view = Parse(host, ReadData("debian12_sshd_config"));
  const auto findings = RunConfig(view, 0L);
  for (const auto& f : findings) {
    INFO(f.id << " " << f.subject);
    CHECK(f.severity == Severity::kInfo);
  }
  CHECK(test::FindSubject(findings, "config.risky_setting", "PasswordAuthentication yes"));
  CHECK(test::FindSubject(findings, "config.weak_algorithm", "hmac-sha1"));
}

TEST_CASE("weak algorithms added beyond the defaults are one finding each, warning or critical",
          "[audit]") {
  test::FakeHost host;
  const auto view = Parse(host,
                          "KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1\n"
                          "Ciphers aes256-ctr,3des-cbc,aes128-cbc\n"
                          "HostKeyAlgorithms +ssh-rsa,ssh-dss\n"
                          "PubkeyAcceptedAlgorithms +ssh-rsa\n"
                          "MACs hmac-sha2-256,hmac-md5\n");
  const auto weak = test::WithId(RunConfig(view), "config.weak_algorithm");
  auto severity_of = [&](const std::string& alg) {
    const auto* f = test::FindSubject(weak, "config.weak_algorithm", alg);
    REQUIRE(f);
    return f->severity;
  };
  CHECK(severity_of("diffie-hellman-group1-sha1") == Severity::kCritical);
  CHECK(severity_of("diffie-hellman-group14-sha1") == Severity::kWarning);
  CHECK(severity_of("3des-cbc") == Severity::kCritical);
  CHECK(severity_of("aes128-cbc") == Severity::kWarning);
  CHECK(severity_of("ssh-dss") == Severity::kCritical);
  CHECK(severity_of("hmac-md5") == Severity::kCritical);
  CHECK(severity_of("ssh-rsa") == Severity::kWarning);
  // ssh-rsa is in two directives but is one finding naming both.
  const auto* rsa = test::FindSubject(weak, "config.weak_algorithm", "ssh-rsa");
  CHECK(rsa->summary.find("HostKeyAlgorithms") != std::string::npos);
  CHECK(rsa->summary.find("PubkeyAcceptedAlgorithms") != std::string::npos);
  CHECK(weak.size() == 7);
}

TEST_CASE("risky settings are reported with the right severity", "[audit]") {
  test::FakeHost host;
  SECTION("root login, empty passwords, a silenced log") {
    const auto f =
        RunConfig(Parse(host, "PermitRootLogin yes\nPermitEmptyPasswords yes\nLogLevel ERROR\n"));
    CHECK(test::FindSubject(f, "config.risky_setting", "PermitRootLogin yes")->severity ==
          Severity::kWarning);
    CHECK(test::FindSubject(f, "config.risky_setting", "PermitEmptyPasswords yes")->severity ==
          Severity::kWarning);
    CHECK(test::FindSubject(f, "config.risky_setting", "LogLevel ERROR")->severity ==
          Severity::kWarning);
  }
  SECTION("LogLevel INFO is fine on 9.2 but hides kex_exchange_identification on 9.5+") {
    const auto view = Parse(host, "LogLevel INFO\n");
    CHECK_FALSE(
        test::FindSubject(RunConfig(view, {}, "", 9, 2), "config.risky_setting", "LogLevel INFO"));
    const auto findings = RunConfig(view, {}, "", 9, 6);
    const auto* f = test::FindSubject(findings, "config.risky_setting", "LogLevel INFO");
    REQUIRE(f);
    CHECK(f->severity == Severity::kInfo);
    CHECK(f->summary.find("VERBOSE") != std::string::npos);
  }
}

TEST_CASE("config.maxstartups needs both a default-or-lower MaxStartups and recent drops",
          "[audit]") {
  test::FakeHost host;
  const auto stock = Parse(host, "");
  CHECK(test::WithId(RunConfig(stock, 0L), "config.maxstartups").empty());
  CHECK(test::WithId(RunConfig(stock, std::nullopt), "config.maxstartups").empty());
  const auto hit = test::WithId(RunConfig(stock, 42L), "config.maxstartups");
  REQUIRE(hit.size() == 1);
  CHECK(hit[0].severity == Severity::kWarning);
  CHECK(hit[0].subject == "MaxStartups 10:30:100");
  CHECK(hit[0].summary.find("42 connections") != std::string::npos);
  CHECK(hit[0].remedy.find("start:rate:full") != std::string::npos);
  CHECK(test::WithId(RunConfig(Parse(host, "MaxStartups 3\n"), 5L), "config.maxstartups").size() ==
        1);
  CHECK(test::WithId(RunConfig(Parse(host, "MaxStartups 50:30:200\n"), 5L), "config.maxstartups")
            .empty());
}

TEST_CASE("config.invalid quotes sshd -t's error", "[audit]") {
  test::FakeHost host;
  const auto f =
      test::WithId(RunConfig(Parse(host, ""), {},
                             "/etc/ssh/sshd_config: line 4: Bad configuration option: Bogus\n"
                             "/etc/ssh/sshd_config: terminating, 1 bad configuration options\n"),
                   "config.invalid");
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::kCritical);
  CHECK(f[0].summary.find("line 4: Bad configuration option: Bogus") != std::string::npos);
}

TEST_CASE("GatherSshdFacts falls back to reading sshd_config when sshd -T cannot run", "[audit]") {
  test::FakeHost host;
  host.AddFile("/etc/ssh/sshd_config", "Port 2222\n");
  AuditSettings settings;
  SECTION("no sshd binary") {
    const auto facts = GatherSshdFacts(host, settings);
    CHECK_FALSE(facts.config.from_sshd);
    CHECK(facts.config.source.find("parsed /etc/ssh/sshd_config") != std::string::npos);
    CHECK(facts.config.source.find("not found") != std::string::npos);
    CHECK(facts.config.Get("port") == "2222");
  }
  SECTION("sshd -T works") {
    host.AddFile("/usr/sbin/sshd", "", 0755);
    host.AddCommand({"/usr/sbin/sshd", "-V"},
                    {0, false, "", "OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15\n"});
    host.AddCommand({"/usr/sbin/sshd", "-t", "-f", "/etc/ssh/sshd_config"}, {0, false, "", ""});
    host.AddCommand({"/usr/sbin/sshd", "-T", "-f", "/etc/ssh/sshd_config"},
                    {0, false, "port 2222\nhostkey /etc/ssh/k\nmaxstartups 10:30:100\n", ""});
    const auto facts = GatherSshdFacts(host, settings);
    CHECK(facts.config.from_sshd);
    CHECK(facts.version == "OpenSSH_9.2p1");
    CHECK(facts.version_major == 9);
    CHECK(facts.version_minor == 2);
    CHECK(facts.test_error.empty());
    CHECK(facts.config.GetAll("hostkey") == std::vector<std::string>{"/etc/ssh/k"});
  }
  SECTION("sshd's \\r\\n line ends are not part of its complaint") {
    host.AddFile("/usr/sbin/sshd", "", 0755);
    host.AddCommand({"/usr/sbin/sshd", "-t", "-f", "/etc/ssh/sshd_config"},
                    {255, false, "",
                     "/etc/ssh/sshd_config: line 1: Bad configuration option: Bogus\r\n"
                     "/etc/ssh/sshd_config: terminating, 1 bad configuration options\r\n"});
    const auto facts = GatherSshdFacts(host, settings);
    CHECK(facts.test_ran);
    CHECK(facts.test_error ==
          "/etc/ssh/sshd_config: line 1: Bad configuration option: Bogus\n"
          "/etc/ssh/sshd_config: terminating, 1 bad configuration options");
  }
  SECTION("a missing /run/sshd (sshd stopped) is no judgement of the config") {
    host.AddFile("/usr/sbin/sshd", "", 0755);
    for (const char* flag : {"-t", "-T"}) {
      host.AddCommand({"/usr/sbin/sshd", flag, "-f", "/etc/ssh/sshd_config"},
                      {255, false, "", "Missing privilege separation directory: /run/sshd\r\n"});
    }
    const auto facts = GatherSshdFacts(host, settings);
    CHECK_FALSE(facts.test_ran);
    CHECK(facts.test_error.empty());
    CHECK(facts.test_not_judged ==
          "Missing privilege separation directory: /run/sshd (made by ssh.service when it "
          "starts sshd: is sshd stopped?)");
    CHECK(facts.config.source ==
          "parsed /etc/ssh/sshd_config (sshd -T failed: Missing privilege separation directory: "
          "/run/sshd)");
    AuditContext ctx;
    ctx.sshd = facts;
    ConfigCheck check(ctx);
    auto r = check.Run(host);
    REQUIRE(r);
    CHECK(test::WithId(*r, "config.invalid").empty());
    CHECK(check.Detail().find("`sshd -t` could not run: Missing privilege separation") !=
          std::string::npos);
  }
  SECTION("a version number out of range is no version, not an exception") {
    host.AddFile("/usr/sbin/sshd", "", 0755);
    host.AddCommand({"/usr/sbin/sshd", "-V"},
                    {0, false, "", "OpenSSH_99999999999.2p1, OpenSSL 3.0.15\n"});
    const auto facts = GatherSshdFacts(host, settings);
    CHECK(facts.version.empty());
    CHECK(facts.version_major == 0);
  }
}
