// host_keys, stale_libraries, liveness and fail2ban checks on a FakeHost.
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>

#include "audit/fail2ban_check.h"
#include "audit/host_key_check.h"
#include "audit/liveness_check.h"
#include "audit/stale_library_check.h"
#include "audit_test_util.h"
#include "fake_host.h"

using namespace sshd_health;

namespace {

constexpr const char* kKey = "/etc/ssh/ssh_host_ed25519_key";
constexpr const char* kPub = "/etc/ssh/ssh_host_ed25519_key.pub";
constexpr const char* kPubText = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0o root@vm\n";

AuditContext ContextWithKeys(std::vector<std::string> keys, std::string state_dir = "/state") {
  AuditContext ctx;
  ctx.settings.state_dir = std::move(state_dir);
  for (auto& k : keys) ctx.sshd.config.Add("hostkey", k);
  return ctx;
}

void AddGoodKey(test::FakeHost& host, const std::string& fingerprint = "SHA256:aaaa") {
  host.AddFile(kKey, "PRIVATE", 0600);
  host.AddFile(kPub, kPubText, 0644);
  host.AddCommand({"ssh-keygen", "-y", "-f", kKey},
                  {0, false, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0o\n", ""});
  host.AddCommand({"ssh-keygen", "-lf", kPub},
                  {0, false, "256 " + fingerprint + " root@vm (ED25519)\n", ""});
}

std::vector<Finding> Run(Check& check, const test::FakeHost& host) {
  auto r = check.Run(host);
  REQUIRE(r);
  CHECK(test::AllCatalogued(*r));
  return *r;
}

}  // namespace

TEST_CASE("a well-kept host key has no findings and its fingerprint is recorded", "[audit]") {
  test::FakeHost host;
  AddGoodKey(host);
  const auto ctx = ContextWithKeys({kKey});
  HostKeyCheck check(ctx);
  CHECK(Run(check, host).empty());
  CHECK(host.written.at("/state/host_keys.json").find("SHA256:aaaa") != std::string::npos);
}

TEST_CASE("host key findings: missing, mode, owner, mismatch", "[audit]") {
  test::FakeHost host;
  AddGoodKey(host);
  const auto ctx = ContextWithKeys({kKey, "/etc/ssh/ssh_host_rsa_key"});
  SECTION("missing key is critical with ssh-keygen -A") {
    HostKeyCheck check(ctx);
    const auto findings = Run(check, host);
    const auto f = test::FindSubject(findings, "host_key.missing", "/etc/ssh/ssh_host_rsa_key");
    REQUIRE(f);
    CHECK(f->severity == Severity::kCritical);
    CHECK(f->remedy.find("ssh-keygen -A") != std::string::npos);
  }
  SECTION("private key readable by others") {
    host.Info(kKey).mode = S_IFREG | 0644;
    HostKeyCheck check(ctx);
    const auto findings = Run(check, host);
    const auto* f = test::FindSubject(findings, "host_key.mode", kKey);
    REQUIRE(f);
    CHECK(f->summary.find("0644") != std::string::npos);
  }
  SECTION("0640 with group ssh_keys is the RHEL layout and fine; another group is not") {
    host.Info(kKey).mode = S_IFREG | 0640;
    host.Info(kKey).gid = 996;
    host.AddGroup(996, "ssh_keys");
    HostKeyCheck check(ctx);
    CHECK_FALSE(test::FindSubject(Run(check, host), "host_key.mode", kKey));
    host.AddGroup(996, "users");
    CHECK(test::FindSubject(Run(check, host), "host_key.mode", kKey));
  }
  SECTION("public key not world-readable") {
    host.Info(kPub).mode = S_IFREG | 0600;
    HostKeyCheck check(ctx);
    const auto findings = Run(check, host);
    const auto* f = test::FindSubject(findings, "host_key.mode", kPub);
    REQUIRE(f);
    CHECK(f->severity == Severity::kWarning);
  }
  SECTION("owner not root") {
    host.Info(kKey).uid = 65534;
    HostKeyCheck check(ctx);
    CHECK(test::FindSubject(Run(check, host), "host_key.owner", kKey));
  }
  SECTION("public key of another pair") {
    host.AddFile(kPub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAOTHER root@vm\n", 0644);
    HostKeyCheck check(ctx);
    CHECK(test::FindSubject(Run(check, host), "host_key.mismatch", kPub));
  }
}

TEST_CASE("a changed host key fingerprint is reported with old and new, then ages out", "[audit]") {
  test::FakeHost host;
  AddGoodKey(host, "SHA256:old");
  const auto ctx = ContextWithKeys({kKey});
  HostKeyCheck check(ctx);
  CHECK(Run(check, host).empty());
  AddGoodKey(host, "SHA256:new");
  auto findings = Run(check, host);
  const auto* f = test::FindSubject(findings, "host_key.changed", kKey);
  REQUIRE(f);
  CHECK(f->severity == Severity::kWarning);
  CHECK(f->summary.find("SHA256:old") != std::string::npos);
  CHECK(f->summary.find("SHA256:new") != std::string::npos);
  CHECK(f->remedy.find("ssh-keygen -R") != std::string::npos);
  CHECK(test::FindSubject(Run(check, host), "host_key.changed", kKey));  // still within the day
  host.SetNow(host.Now() + kHostKeyChangeReportTime + std::chrono::minutes(1));
  CHECK(Run(check, host).empty());
}

TEST_CASE("proc maps parsing keeps file-backed mappings once and marks deleted ones", "[audit]") {
  const auto entries = ParseProcMaps(
      "55d0a000-55d0b000 r--p 00000000 fd:01 1311 /usr/sbin/sshd\n"
      "55d0b000-55d0c000 r-xp 00001000 fd:01 1311 /usr/sbin/sshd\n"
      "7f00-7f10 r--p 00000000 fd:01 2222 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)\n"
      "7f20-7f30 rw-s 00000000 00:01 3333 /memfd:sshd (deleted)\n"
      "7f40-7f50 rw-p 00000000 00:00 0 \n"
      "7ffd-7ffe r-xp 00000000 00:00 0 [vdso]\n"
      "7f60-7f70 r--p 00000000 fd:01 4444 /usr/lib/x86_64-linux-gnu/lib with space.so\n");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].path == "/usr/sbin/sshd");
  CHECK(entries[0].major == 0xfd);
  CHECK(entries[0].minor == 1);
  CHECK(entries[0].inode == 1311);
  CHECK(entries[1].deleted);
  CHECK(entries[1].path == "/usr/lib/x86_64-linux-gnu/libcrypto.so.3");
  CHECK(entries[2].path == "/usr/lib/x86_64-linux-gnu/lib with space.so");
}

TEST_CASE("stale libraries of the sshd listener", "[audit]") {
  test::FakeHost host;
  AuditContext ctx;
  ctx.sshd.config.Add("pidfile", "/run/sshd.pid");
  host.AddFile("/run/sshd.pid", "812\n");
  host.AddLink("/proc/812/exe", "/usr/sbin/sshd");
  const std::string libz = "/usr/lib/x86_64-linux-gnu/libz.so.1";
  const std::string libfoo = "/usr/lib/x86_64-linux-gnu/libfoo.so.1";
  host.AddFile("/proc/812/root/usr/sbin/sshd", "");
  host.AddFile("/proc/812/root" + libz, "");
  host.AddFile("/proc/812/root" + libfoo, "");
  auto set_ino = [&](const std::string& path, std::uint64_t dev, std::uint64_t ino) {
    host.Info("/proc/812/root" + path).dev = dev;
    host.Info("/proc/812/root" + path).ino = ino;
  };
  set_ino("/usr/sbin/sshd", makedev(0xfd, 1), 1311);
  set_ino(libz, makedev(0xfd, 1), 2000);
  set_ino(libfoo, makedev(0xfd, 1), 3000);
  StaleLibraryCheck check(ctx);
  SECTION("everything current") {
    host.AddFile("/proc/812/maps",
                 "1-2 r-xp 0 fd:01 1311 /usr/sbin/sshd\n1-2 r-xp 0 fd:01 2000 " + libz + "\n");
    CHECK(Run(check, host).empty());
    CHECK(check.Detail().find("PidFile") != std::string::npos);
  }
  SECTION("a deleted libcrypto is critical, a replaced other library is a warning") {
    host.AddFile("/proc/812/maps",
                 "1-2 r-xp 0 fd:01 1311 /usr/sbin/sshd\n"
                 "1-2 r-xp 0 fd:01 1999 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)\n"
                 "1-2 r-xp 0 fd:01 2999 " +
                     libfoo + "\n");
    const auto f = Run(check, host);
    REQUIRE(f.size() == 2);
    CHECK(test::FindSubject(f, "stale_library.sshd", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3")
              ->severity == Severity::kCritical);
    const auto* foo = test::FindSubject(f, "stale_library.sshd", libfoo);
    REQUIRE(foo);
    CHECK(foo->severity == Severity::kWarning);
    CHECK(foo->remedy.find("systemctl restart ssh") != std::string::npos);
  }
  SECTION("the sshd binary replaced is critical") {
    host.AddFile("/proc/812/maps", "1-2 r-xp 0 fd:01 1000 /usr/sbin/sshd\n");
    set_ino("/usr/sbin/sshd", makedev(0xfd, 1), 1311);
    const auto f = Run(check, host);
    REQUIRE(f.size() == 1);
    CHECK(f[0].severity == Severity::kCritical);
  }
  SECTION("another device in maps than in stat (not sshd's overlay) is not an alarm") {
    // Alone it would not be an ok either: stale_library_overlay_test.cpp.
    host.AddFile("/proc/812/maps",
                 "1-2 r-xp 0 fd:01 1311 /usr/sbin/sshd\n1-2 r-xp 0 00:2a 77 " + libz + "\n");
    CHECK(Run(check, host).empty());
    CHECK(check.Detail().find("1 not comparable") != std::string::npos);
  }
  SECTION("unreadable maps make the check unknown") { CHECK_FALSE(check.Run(host)); }
}

TEST_CASE("a running sshd whose /proc cannot be read makes the stale-library check unknown",
          "[audit]") {
  // Regression: without CAP_SYS_PTRACE /proc/PID/exe of a root sshd is unreadable, and the
  // check used to say "no running sshd found" - an OK that hid the blind spot.
  test::FakeHost host;
  AuditContext ctx;
  ctx.sshd.config.Add("pidfile", "/run/sshd.pid");
  host.AddFile("/run/sshd.pid", "812\n");
  host.AddDir("/proc/812", {"maps", "exe"});
  host.AddDir("/proc", {"812"});
  StaleLibraryCheck check(ctx);
  const auto result = check.Run(host);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("pid 812") != std::string::npos);
  CHECK(result.error().message.find("CAP_SYS_PTRACE") != std::string::npos);
}

TEST_CASE("without a PidFile the listener is found by a process scan", "[audit]") {
  test::FakeHost host;
  AuditContext ctx;
  ctx.sshd.config.Add("pidfile", "none");
  host.AddDir("/proc", {"1", "500", "501", "self"});
  host.AddLink("/proc/1/exe", "/usr/lib/systemd/systemd");
  host.AddLink("/proc/500/exe", "/usr/sbin/sshd");
  host.AddLink("/proc/501/exe", "/usr/sbin/sshd");
  host.AddFile("/proc/500/stat", "500 (sshd) S 1 500 500 0");
  host.AddFile("/proc/501/stat", "501 (sshd) S 500 501 501 0");  // a connection's child
  host.AddFile("/proc/500/maps", "1-2 r-xp 0 fd:01 5 /usr/lib/libwrap.so.0 (deleted)\n");
  StaleLibraryCheck check(ctx);
  const auto f = Run(check, host);
  REQUIRE(f.size() == 1);
  CHECK(f[0].summary.find("pid 500") != std::string::npos);
}

TEST_CASE("the process scan leaves out a container's sshd (another root)", "[audit]") {
  // Seen on this machine: a test container's sshd, same exe path on an overlay root, was
  // taken for the host's listener and its binary called replaced.
  test::FakeHost host;
  AuditContext ctx;
  ctx.sshd.config.Add("pidfile", "none");
  host.AddDir("/proc", {"400", "500"});
  FileInfo root;
  root.mode = S_IFDIR | 0755;
  root.dev = 0x801;
  root.ino = 2;
  host.SetInfo("/", root);
  host.SetInfo("/proc/500/root", root);
  root.dev = 41;  // the container's overlay
  host.SetInfo("/proc/400/root", root);
  for (const char* pid : {"400", "500"}) {
    host.AddLink("/proc/" + std::string(pid) + "/exe", "/usr/sbin/sshd");
    host.AddFile("/proc/" + std::string(pid) + "/stat", std::string(pid) + " (sshd) S 1 1 1 0");
  }
  std::string how;
  std::optional<int> unreadable;
  CHECK(FindSshdListeners(host, ctx, how, unreadable) == std::vector<int>{500});
  // A root that cannot be read (no CAP_SYS_PTRACE) does not hide a listener.
  host.AddDir("/proc", {"400", "500", "600"});
  host.AddLink("/proc/600/exe", "/usr/sbin/sshd");
  host.AddFile("/proc/600/stat", "600 (sshd) S 1 1 1 0");
  CHECK(FindSshdListeners(host, ctx, how, unreadable) == std::vector<int>{500, 600});
}

TEST_CASE("liveness maps each probe outcome to its finding", "[audit]") {
  test::FakeHost host;
  host.SetNoBus();
  AuditContext ctx;
  ctx.sshd.config.Add("port", "2222");
  ctx.sshd.config.Add("listenaddress", "[::]:2222");
  ctx.sshd.config.Add("listenaddress", "0.0.0.0:2222");
  LivenessCheck check(ctx);
  using O = BannerProbe::Outcome;
  SECTION("ok: banner and latency in the detail, unit state unknown without a bus") {
    host.SetProbe({O::kOk, "SSH-2.0-OpenSSH_9.2p1 Debian-2", "", std::chrono::milliseconds(3)});
    CHECK(Run(check, host).empty());
    CHECK(host.probed == "127.0.0.1 2222");
    CHECK(check.Detail().find("SSH-2.0-OpenSSH_9.2p1") != std::string::npos);
    CHECK(check.Detail().find("3 ms") != std::string::npos);
    CHECK(check.Detail().find("unit state unknown") != std::string::npos);
  }
  const std::pair<O, const char*> cases[] = {{O::kRefused, "liveness.refused"},
                                             {O::kTimeout, "liveness.timeout"},
                                             {O::kClosed, "liveness.no_banner"},
                                             {O::kBadBanner, "liveness.bad_banner"}};
  for (const auto& [outcome, id] : cases) {
    DYNAMIC_SECTION("outcome " << id) {
      host.SetProbe({outcome, "HTTP/1.1 400 Bad\x1b[31m", "x", {}});
      const auto f = Run(check, host);
      REQUIRE(f.size() == 1);
      CHECK(f[0].id == id);
      CHECK(f[0].subject == "127.0.0.1:2222");
      CHECK(f[0].summary.find('\x1b') == std::string::npos);
    }
  }
  SECTION("a probe that cannot even start is unknown") {
    host.SetProbe({O::kError, "", "bad address", {}});
    CHECK_FALSE(check.Run(host));
  }
}

TEST_CASE("liveness judges the identification the probe read: SSH-2.0 or 1.99, at most 255 bytes",
          "[audit]") {
  test::FakeHost host;
  host.SetNoBus();
  AuditContext ctx;
  LivenessCheck check(ctx);
  auto with_banner = [&](const std::string& banner) {
    host.SetProbe({BannerProbe::Outcome::kOk, banner, "", std::chrono::milliseconds(1)});
    return Run(check, host);
  };
  CHECK(with_banner("SSH-2.0-OpenSSH_9.2p1 Debian-2").empty());
  CHECK(with_banner("SSH-1.99-OpenSSH_3.9p1").empty());
  CHECK(with_banner("SSH-2.0-" + std::string(247, 'x')).empty());
  SECTION("another protocol version") {
    const auto f = with_banner("SSH-1.5-Ancient");
    REQUIRE(f.size() == 1);
    CHECK(f[0].id == "liveness.bad_banner");
    CHECK(f[0].summary.find("answered \"SSH-1.5-Ancient\", not an SSH-2.0 identification "
                            "(not an SSH-2.0 identification)") != std::string::npos);
  }
  SECTION("longer than 255 bytes") {
    const auto f = with_banner("SSH-2.0-" + std::string(248, 'x'));
    REQUIRE(f.size() == 1);
    CHECK(f[0].id == "liveness.bad_banner");
    CHECK(f[0].summary.find("(identification longer than 255 bytes)") != std::string::npos);
  }
}

TEST_CASE("liveness reads the unit state: failed and restarting", "[audit]") {
  test::FakeHost host;
  host.SetProbe({BannerProbe::Outcome::kOk, "SSH-2.0-x", "", {}});
  AuditContext ctx;
  ctx.settings.probe.address = "::1";
  ctx.settings.probe.port = 22;
  LivenessCheck check(ctx);
  SECTION("failed") {
    host.SetUnit({"ssh.service", "loaded", "failed", "failed", 5});
    const auto f = Run(check, host);
    REQUIRE(f.size() == 1);
    CHECK(f[0].id == "liveness.unit_failed");
    CHECK(host.probed == "::1 22");
  }
  SECTION("restarting, found under the RHEL name") {
    host.SetUnit({"sshd.service", "loaded", "activating", "auto-restart", 3});
    const auto f = Run(check, host);
    REQUIRE(f.size() == 1);
    CHECK(f[0].id == "liveness.restarting");
    CHECK(f[0].subject == "sshd.service");
  }
  SECTION("running") {
    host.SetUnit({"ssh.service", "loaded", "active", "running", 0});
    CHECK(Run(check, host).empty());
    CHECK(check.Detail().find("ssh.service active/running") != std::string::npos);
  }
}

TEST_CASE("fail2ban bans and hosts.deny entries", "[audit]") {
  test::FakeHost host;
  AuditContext ctx;
  Fail2banCheck check(ctx);
  SECTION("banned addresses, one info finding each with the unban command") {
    host.AddProgram("fail2ban-client", "/usr/bin/fail2ban-client");
    host.AddCommand({"fail2ban-client", "status", "sshd"},
                    {0, false,
                     "Status for the jail: sshd\n|- Filter\n|  |- Currently failed:\t0\n"
                     "`- Actions\n   |- Currently banned:\t2\n   |- Total banned:\t2\n"
                     "   `- Banned IP list:\t192.0.2.7 2001:db8::5\n",
                     ""});
    const auto f = Run(check, host);
    REQUIRE(f.size() == 2);
    CHECK(f[0].id == "fail2ban.banned");
    CHECK(f[0].severity == Severity::kInfo);
    CHECK(f[0].subject == "192.0.2.7");
    CHECK(f[0].remedy.find("fail2ban-client set sshd unbanip 192.0.2.7") != std::string::npos);
  }
  SECTION("fail2ban not running is a detail, not a finding") {
    host.AddProgram("fail2ban-client", "/usr/bin/fail2ban-client");
    host.AddCommand({"fail2ban-client", "status", "sshd"},
                    {255, false, "",
                     "2026-11-21 17:16:06,711 fail2ban [1]: ERROR   Failed to access socket path: "
                     "/var/run/fail2ban/fail2ban.sock. Is fail2ban running?\n"});
    CHECK(Run(check, host).empty());
    CHECK(check.Detail().find("not running") != std::string::npos);
  }
  SECTION("hosts.deny: warning when sshd uses libwrap, info when it does not") {
    host.AddFile("/etc/hosts.deny",
                 "# comment\nALL EXCEPT sshd: ALL\nsshd: 192.0.2.0/24\nvsftpd: ALL\n"
                 "sshd@10.0.0.1, in.telnetd : \\\n  198.51.100.1 # trailing\n");
    host.AddFile("/usr/sbin/sshd",
                 std::string("\x7f"
                             "ELF....libwrap.so.0\0libpam.so.0",
                             30),
                 0755);
    auto f = Run(check, host);
    REQUIRE(f.size() == 2);
    CHECK(f[0].id == "access.hosts_deny");
    CHECK(f[0].subject == "/etc/hosts.deny: sshd: 192.0.2.0/24");
    CHECK(f[0].severity == Severity::kWarning);
    CHECK(f[1].subject.find("198.51.100.1") != std::string::npos);
    CHECK(check.Detail().find("uses libwrap") != std::string::npos);
    host.AddFile("/usr/sbin/sshd",
                 "\x7f"
                 "ELF....libpam.so.0",
                 0755);
    f = Run(check, host);
    REQUIRE(f.size() == 2);
    CHECK(f[0].severity == Severity::kInfo);
    CHECK(f[0].summary.find("not built with libwrap") != std::string::npos);
  }
}
