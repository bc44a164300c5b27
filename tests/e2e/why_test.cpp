// `sshd-health why` end to end (issue 20): each failure of the troubleshooting guide,
// reproduced on a real sshd with the real client, must come out of `why --ip` / `why
// --user` as the most likely cause, with its evidence lines, its remedy and exit 0; a
// client with nothing against it on the server gets exit 1 and the client-side steps.
// Each case N has its own sshd on 127.0.0.(160+N) and its own client address 127.0.0.(180+N).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "real_sshd.h"
#include "scenario.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace test;
using nlohmann::json;

namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ServerAddress(int n) { return "127.0.0." + std::to_string(160 + n); }
std::string ClientAddress(int n) { return "127.0.0." + std::to_string(180 + n); }

// Runs a command in a mount namespace of its own where `hosts_deny` is /etc/hosts.deny:
// libwrap in sshd reads that fixed path, and the test must not change the machine's.
std::vector<std::string> WithHostsDeny(const std::string& hosts_deny) {
  return {"unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          "mount --bind " + hosts_deny + " /etc/hosts.deny && exec \"$0\" \"$@\""};
}

// One real sshd and the config `why` reads: sshd's -E log, its sshd_config, the probe
// aimed at it, the shipped rules.
class WhyCase {
 public:
  explicit WhyCase(int n, std::vector<std::string> sshd_config = {},
                   std::vector<std::string> wrapper = {})
      : n_(n) {
    std::filesystem::create_directories(dir_.path() + "/sshd");
    RealSshd::Options o;
    o.address = ServerAddress(n);
    // PermitRootLogin yes: the client logs in as root (the one account every box has), and
    // a wrong password must then be the only reason it fails.
    o.extra_config = std::move(sshd_config);
    o.extra_config.push_back("PermitRootLogin yes");
    o.wrapper = std::move(wrapper);
    sshd_ = std::make_unique<RealSshd>(dir_.path() + "/sshd", o);
    WriteFile(config_path(),
              "state_dir: " + dir_.path() +
                  "/state\n"
                  "sources:\n"
                  "  journal: { enabled: false }\n"
                  "  files: [ { path: \"" +
                  sshd_->log_path() + "\" } ]\n" + "rules: { paths: [\"" + ShippedRulesDir() +
                  "\"] }\n"
                  "audit:\n"
                  "  sshd_binary: /usr/sbin/sshd\n"
                  "  sshd_config: " +
                  sshd_->config_path() + "\n  probe: { address: " + sshd_->address() +
                  ", port: " + std::to_string(sshd_->port()) +
                  ", timeout: 2s }\n"
                  "notify:\n  notifiers:\n    - { name: out, type: stdout }\n");
  }

  RealSshd& sshd() { return *sshd_; }
  std::string client() const { return ClientAddress(n_); }
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const { return dir_.path() + "/config.yaml"; }

  /// Waits (with a deadline) until sshd's log holds `text`: sshd writes some lines after
  /// the client has already gone.
  bool WaitForLog(const std::string& text) {
    return WaitFor([&] { return Contains(sshd_->Log(), text); }, 10000ms);
  }

  struct Result {
    int exit_code = -1;
    json report;
    std::string text;
  };
  /// `why ARGS --format json` and the same as text.
  Result Why(std::vector<std::string> args, std::vector<std::string> wrapper = {}) {
    Result r;
    auto run = [&](const std::string& format) {
      std::vector<std::string> argv = wrapper;
      argv.insert(argv.end(), {SSHD_HEALTH_BINARY, "why", "-c", config_path(), "--format", format});
      argv.insert(argv.end(), args.begin(), args.end());
      return RunCommand(argv, 60000ms);
    };
    const auto j = run("json");
    r.exit_code = j.exit_code;
    r.report = json::parse(j.out, nullptr, false);
    if (r.report.is_discarded()) r.report = json{{"unparsed", j.out + j.err}};
    r.text = run("text").out;
    return r;
  }

  std::string Diagnostics(const Result& r) const {
    return "--- sshd log:\n" + sshd_->Log() + "\n--- why:\n" + r.text;
  }

 private:
  int n_;
  TempDir dir_;
  std::unique_ptr<RealSshd> sshd_;
};

const json& FirstCause(const WhyCase::Result& r) {
  static const json kNone = json::object();
  if (!r.report.contains("causes") || r.report["causes"].empty()) return kNone;
  return r.report["causes"][0];
}

std::string Evidence(const json& cause) { return cause.value("evidence", json::array()).dump(); }

}  // namespace

TEST_CASE("why: a wrong password is named with the failed line and exit 0", "[e2e][why]") {
  WhyCase c(0);
  c.sshd().Start();
  c.sshd().Client("root", {"-b", c.client()}, "wrong-password");
  REQUIRE(c.WaitForLog("Failed password for root from " + c.client()));
  for (const auto& query :
       std::vector<std::vector<std::string>>{{"--ip", c.client()}, {"--user", "root"}}) {
    const auto r = c.Why(query);
    INFO(c.Diagnostics(r));
    CHECK(r.exit_code == 0);
    const json& cause = FirstCause(r);
    CHECK(cause.value("id", "") == "logged.auth_failure");
    CHECK(Contains(Evidence(cause), "Failed password for root from " + c.client()));
    CHECK(Contains(cause.value("summary", ""), "password"));
    CHECK_FALSE(cause.value("remedy", "").empty());
    CHECK(Contains(r.text, "Most likely: 1 failed login(s) for root by password"));
  }
}

TEST_CASE("why: ten wrong passwords from one address get the brute force rule's remedy",
          "[e2e][why]") {
  WhyCase c(12);
  c.sshd().Start();
  for (int i = 0; i < 10; ++i)
    c.sshd().Client("root", {"-b", c.client()}, "guess" + std::to_string(i));
  REQUIRE(WaitFor(
      [&] {
        const std::string log = c.sshd().Log();
        std::size_t n = 0;
        for (auto at = log.find("Failed password for root"); at != std::string::npos;
             at = log.find("Failed password for root", at + 1))
          ++n;
        return n >= 10;
      },
      10000ms));
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "logged.auth_failure");
  CHECK(cause.value("source", "") == "sshd.auth.brute_force");
  CHECK(cause.value("count", 0) == 10);
  CHECK(Contains(cause.value("remedy", ""), "fail2ban-client status sshd"));
}

TEST_CASE("why: a user AllowUsers does not list is named with sshd's refusal", "[e2e][why]") {
  WhyCase c(1, {"AllowUsers nobody"});
  c.sshd().Start();
  c.sshd().Client("root", {"-b", c.client()}, "any-password");
  REQUIRE(c.WaitForLog("not listed in AllowUsers"));
  for (const auto& query :
       std::vector<std::vector<std::string>>{{"--ip", c.client()}, {"--user", "root"}}) {
    const auto r = c.Why(query);
    INFO(c.Diagnostics(r));
    CHECK(r.exit_code == 0);
    const json& cause = FirstCause(r);
    CHECK(cause.value("id", "") == "logged.user_not_allowed");
    CHECK(Contains(Evidence(cause), "User root from " + c.client() +
                                        " not allowed because not listed in AllowUsers"));
    CHECK(Contains(cause.value("remedy", ""), "allowusers"));
    // The Match-aware effective value for this user and address.
    CHECK(r.report["effective"].value("allowusers", "") == "nobody");
  }
}

TEST_CASE("why reads sshd's journal entries within --since, as scan does", "[e2e][why]") {
  WhyCase c(13, {"AllowUsers nobody"});
  c.sshd().Start();
  const std::string journal = c.dir() + "/journal";
  // The config names the journal directory instead of the -E file.
  std::string config = ReadFile(c.config_path());
  const std::string files =
      "  journal: { enabled: false }\n  files: [ { path: \"" + c.sshd().log_path() + "\" } ]\n";
  REQUIRE(config.find(files) != std::string::npos);
  config.replace(config.find(files), files.size(),
                 "  journal: { enabled: true, directory: \"" + journal + "\" }\n  files: []\n");
  WriteFile(c.config_path(), config);
  {
    JournalForwarder forwarder(c.sshd().log_path(), journal);
    c.sshd().Client("root", {"-b", c.client()}, "any-password");
    REQUIRE(c.WaitForLog("not listed in AllowUsers"));
    // The forwarder's entry reaches the journal file (read back by the journal reader
    // itself) before it stops.
    REQUIRE(WaitFor(
        [&] {
          return Contains(
              RunCommand({SSHD_HEALTH_BINARY, "scan", "--events", "--journal-directory", journal})
                  .out,
              "user_not_allowed");
        },
        10000ms));
  }
  const auto r = c.Why({"--user", "root"});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  CHECK(FirstCause(r).value("id", "") == "logged.user_not_allowed");
  CHECK_FALSE(FirstCause(r).value("last_seen", "").empty());  // journal entries have times
  // A window that ends before the entries: nothing of them is read.
  const auto none = c.Why({"--user", "root", "--since", "1ms"});
  CHECK(none.report["read"].value("in_window", -1) == 0);
}

TEST_CASE("why: MaxStartups full is named with the drop and how full it was", "[e2e][why]") {
  WhyCase c(2, {"MaxStartups 2:30:4"});
  c.sshd().Start();
  IdleConnections idle(c.sshd().address(), c.sshd().port(), 4);
  REQUIRE(idle.size() == 4);
  const auto client = c.sshd().Client("root", {"-b", c.client()});
  CHECK(Contains(client.out, "kex_exchange_identification"));
  REQUIRE(c.WaitForLog("from [" + c.client() + "]"));
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "logged.maxstartups.drop");
  CHECK(Contains(Evidence(cause), "past MaxStartups"));
  CHECK(Contains(cause.value("summary", ""), "MaxStartups 2:30:4"));
  CHECK(Contains(cause.value("remedy", ""), "MaxStartups 50:30:100"));
}

TEST_CASE("why: a legacy client is named with its offer and the line that would admit it",
          "[e2e][why]") {
  WhyCase c(3);
  c.sshd().Start();
  const auto client =
      c.sshd().Client("root", {"-b", c.client(), "-oKexAlgorithms=diffie-hellman-group1-sha1"});
  CHECK(Contains(client.out, "no matching key exchange method found"));
  REQUIRE(c.WaitForLog("Unable to negotiate with " + c.client()));
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "logged.kex_negotiation");
  CHECK(Contains(Evidence(cause), "Their offer: diffie-hellman-group1-sha1"));
  const std::string remedy = cause.value("remedy", "");
  CHECK(Contains(remedy, "KexAlgorithms +diffie-hellman-group1-sha1"));
  CHECK(Contains(remedy, "less secure"));
}

TEST_CASE("why: an address hosts.deny refuses is named with the entry", "[e2e][why]") {
  TempDir files;
  const std::string deny = files.path() + "/hosts.deny";
  WriteFile(deny, "# test\nsshd: " + ClientAddress(4) + "\n");
  ::chmod(files.path().c_str(), 0755);
  ::chmod(deny.c_str(), 0644);
  WhyCase c(4, {}, WithHostsDeny(deny));
  c.sshd().Start();
  const auto client = c.sshd().Client("root", {"-b", c.client()});
  INFO(client.out);
  CHECK(client.exit_code == 255);
  const auto r = c.Why({"--ip", c.client()}, WithHostsDeny(deny));
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "banned.hosts.deny");
  CHECK(Contains(Evidence(cause), "/etc/hosts.deny: sshd: " + c.client()));
  CHECK(Contains(cause.value("remedy", ""), "/etc/hosts.allow"));
  // Another address is not banned by it: nothing on the server explains its failure.
  const auto other = c.Why({"--ip", "127.0.0.199"}, WithHostsDeny(deny));
  CHECK(other.exit_code == 1);
}

TEST_CASE("why: an address a real fail2ban banned is named with the jail and unbanip",
          "[e2e][why]") {
  WhyCase c(9);
  c.sshd().Start();
  for (int i = 0; i < 2; ++i) c.sshd().Client("root", {"-b", c.client()}, "wrong-password");
  REQUIRE(WaitFor(
      [&] {
        const std::string log = c.sshd().Log();
        const auto first = log.find("Failed password for root from " + c.client());
        return first != std::string::npos && log.find("Failed password for root from " + c.client(),
                                                      first + 1) != std::string::npos;
      },
      10000ms));
  // fail2ban's sshd filter wants syslog lines ("sshd[PID]: ..."); sshd -E writes bare
  // messages. The jail reads the log as rsyslog would have written it.
  TempDir f2b;
  std::string syslog;
  {
    const std::string stamp =
        RunCommand({"date", "+%b %e %H:%M:%S"}).out.substr(0, 15);  // "Dec  1 13:35:01"
    std::istringstream in(c.sshd().Log());
    for (std::string line; std::getline(in, line);)
      syslog += stamp + " box sshd[1]: " + line + "\n";
  }
  WriteFile(f2b.path() + "/auth.log", syslog);
  REQUIRE(RunCommand({"cp", "-r", "/etc/fail2ban", f2b.path() + "/conf"}).exit_code == 0);
  std::filesystem::remove_all(f2b.path() + "/conf/jail.d");
  std::filesystem::remove_all(f2b.path() + "/conf/fail2ban.d");
  WriteFile(f2b.path() + "/conf/fail2ban.local",
            "[Definition]\nlogtarget = " + f2b.path() +
                "/fail2ban.log\nsocket = /run/fail2ban/fail2ban.sock\n"
                "pidfile = /run/fail2ban/fail2ban.pid\ndbfile = :memory:\n");
  // The dummy action bans in fail2ban's books only: nothing on the machine changes.
  WriteFile(f2b.path() + "/conf/jail.local",
            "[DEFAULT]\nbanaction = dummy\nbanaction_allports = dummy\n[sshd]\nenabled = true\n"
            "backend = polling\nlogpath = " +
                f2b.path() + "/auth.log\nmaxretry = 2\nfindtime = 1h\nbantime = 1h\n");
  // One mount namespace for the server and `why`: fail2ban-client finds the server at the
  // default socket, in a private /run/fail2ban; the machine's fail2ban (if any) is not
  // touched. The wait for the ban has a deadline (100 polls of 0.1 s).
  std::filesystem::create_directories("/run/fail2ban");
  const std::string script =
      "mount -t tmpfs tmpfs /run/fail2ban || exit 90\n"
      "fail2ban-client -c \"$3\" start >/dev/null 2>&1 || exit 91\n"
      "i=0; until fail2ban-client status sshd 2>/dev/null | grep -q \"$4\"; do\n"
      "  i=$((i+1)); [ $i -lt 100 ] || break; sleep 0.1; done\n"
      "\"$1\" why -c \"$2\" --user root --format json > \"$5\"\n"
      "\"$1\" why -c \"$2\" --ip \"$4\" --format json; rc=$?\n"
      "fail2ban-client stop >/dev/null 2>&1\n"
      "exit $rc\n";
  const auto r = RunCommand(
      {"unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", SSHD_HEALTH_BINARY,
       c.config_path(), f2b.path() + "/conf", c.client(), f2b.path() + "/by-user.json"},
      60000ms);
  INFO(r.out + r.err + ReadFile(f2b.path() + "/fail2ban.log"));
  CHECK(r.exit_code == 0);
  const json report = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(report.is_discarded());
  REQUIRE_FALSE(report["causes"].empty());
  const json& cause = report["causes"][0];
  CHECK(cause.value("id", "") == "banned.fail2ban");
  CHECK(Contains(Evidence(cause), "fail2ban jail sshd bans " + c.client()));
  CHECK(Contains(cause.value("remedy", ""), "fail2ban-client set sshd unbanip " + c.client()));
  // Asked by user, the ban of the address the user came from.
  const json by_user = json::parse(ReadFile(f2b.path() + "/by-user.json"), nullptr, false);
  REQUIRE_FALSE(by_user.is_discarded());
  REQUIRE_FALSE(by_user["causes"].empty());
  CHECK(by_user["causes"][0].value("id", "") == "banned.fail2ban");
  CHECK(Contains(by_user["effective_source"].get<std::string>(), "addr=" + c.client()));
}

TEST_CASE("why: nftables and iptables rules dropping the address are named with their handle",
          "[e2e][why]") {
  WhyCase c(11);
  const std::string iptables_client = "127.0.0.201";
  // One network namespace of its own for the rules, sshd, the client and `why`: the
  // machine's firewall is not touched. sshd runs as a daemon there and is stopped by its
  // PidFile; the wait for its listening line has a deadline (100 polls of 0.1 s).
  WriteFile(c.dir() + "/rules.nft",
            "table inet filter {\n  chain input {\n    type filter hook input priority 0; "
            "policy accept;\n    ip saddr " +
                c.client() + " tcp dport " + std::to_string(c.sshd().port()) + " drop\n  }\n}\n");
  const std::string script =
      "ip link set lo up || exit 90\n"
      "nft -f \"$3/rules.nft\" || exit 91\n"
      "iptables -A INPUT -s \"$5\" -j DROP || exit 92\n"
      "/usr/sbin/sshd -f \"$3/sshd/sshd_config\" -E \"$3/sshd/sshd.log\" || exit 93\n"
      "i=0; until grep -q 'Server listening' \"$3/sshd/sshd.log\"; do\n"
      "  i=$((i+1)); [ $i -lt 100 ] || exit 94; sleep 0.1; done\n"
      "ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=2 -b \"$4\" -p \"$6\" root@\"$7\" true "
      ">\"$3/client.out\" 2>&1\n"
      "\"$1\" why -c \"$2\" --ip \"$5\" --format json > \"$3/iptables.json\"\n"
      "\"$1\" why -c \"$2\" --ip \"$4\" --format json; rc=$?\n"
      "kill $(cat \"$3/sshd/sshd.pid\")\n"
      "exit $rc\n";
  const auto r = RunCommand(
      {"unshare", "-n", "sh", "-c", script, "sh", SSHD_HEALTH_BINARY, c.config_path(), c.dir(),
       c.client(), iptables_client, std::to_string(c.sshd().port()), c.sshd().address()},
      60000ms);
  INFO(r.out + r.err + ReadFile(c.dir() + "/client.out"));
  CHECK(r.exit_code == 0);
  const json report = json::parse(r.out, nullptr, false);
  REQUIRE_FALSE(report.is_discarded());
  REQUIRE_FALSE(report["causes"].empty());
  const json& cause = report["causes"][0];
  CHECK(cause.value("id", "") == "banned.nftables");
  CHECK(Contains(Evidence(cause), "table inet filter chain input handle"));
  CHECK(Contains(cause.value("remedy", ""), "nft delete rule inet filter input handle"));
  // iptables (its nf_tables backend): iptables-save names the rule and its -D.
  const json by_iptables = json::parse(ReadFile(c.dir() + "/iptables.json"), nullptr, false);
  REQUIRE_FALSE(by_iptables.is_discarded());
  bool iptables = false;
  for (const auto& k : by_iptables["causes"]) {
    iptables = iptables || (k.value("id", "") == "banned.iptables" &&
                            Contains(k.value("remedy", ""), "iptables -t filter -D INPUT -s " +
                                                                iptables_client + "/32 -j DROP"));
  }
  INFO(by_iptables.dump(2));
  CHECK(iptables);
}

TEST_CASE("why: authorized_keys writable by others is named with the file", "[e2e][why]") {
  WhyCase c(5);
  const std::string keys_dir = c.dir() + "/keys";
  std::filesystem::create_directories(keys_dir);
  const std::string key = c.dir() + "/client_key";
  REQUIRE(RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}).exit_code == 0);
  const std::string authorized = keys_dir + "/authorized_keys";
  std::filesystem::copy_file(key + ".pub", authorized);
  ::chmod(authorized.c_str(), 0666);
  c.sshd().options().extra_config.insert(c.sshd().options().extra_config.begin(),
                                         "AuthorizedKeysFile " + authorized);
  c.sshd().WriteConfig();
  c.sshd().Start();
  c.sshd().Client("root", {"-b", c.client(), "-i", key, "-o", "IdentitiesOnly=yes"});
  REQUIRE(c.WaitForLog("bad ownership or modes"));
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "logged.bad_modes");
  CHECK(Contains(Evidence(cause), authorized));
  CHECK(Contains(cause.value("remedy", ""), "chmod"));
}

TEST_CASE("why: a regenerated host key is named with both fingerprints and ssh-keygen -R",
          "[e2e][why]") {
  WhyCase c(10);
  c.sshd().Start();
  // `check` records the host key's fingerprint in the state dir (why itself writes nothing).
  REQUIRE(RunCommand({SSHD_HEALTH_BINARY, "check", "-c", c.config_path(), "--only", "host_keys"})
              .exit_code == 0);
  c.sshd().Stop();
  std::filesystem::remove(c.sshd().host_key_path());
  std::filesystem::remove(c.sshd().host_key_path() + ".pub");
  REQUIRE(
      RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", c.sshd().host_key_path()})
          .exit_code == 0);
  c.sshd().Start();
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "server.host_key.changed");
  CHECK(Contains(cause.value("summary", ""), "REMOTE HOST IDENTIFICATION HAS CHANGED"));
  CHECK(Contains(cause.value("remedy", ""), "ssh-keygen -R"));
}

TEST_CASE("why: sshd stopped is named with the refused probe", "[e2e][why]") {
  WhyCase c(6);
  c.sshd().Start();
  c.sshd().Stop();
  const auto r = c.Why({"--ip", c.client()});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "server.liveness.refused");
  CHECK(Contains(Evidence(cause), c.sshd().address()));
  CHECK(Contains(cause.value("remedy", ""), "systemctl restart ssh"));
}

TEST_CASE("why: a broken sshd_config that keeps sshd from starting comes first", "[e2e][why]") {
  WhyCase c(7);
  c.sshd().Start();
  c.sshd().Stop();
  AppendFile(c.sshd().config_path(), "PermitRootLogn no\n");
  const auto r = c.Why({"--user", "root"});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 0);
  const json& cause = FirstCause(r);
  CHECK(cause.value("id", "") == "server.config.invalid");
  CHECK(Contains(Evidence(cause) + cause.value("summary", ""), "PermitRootLogn"));
  // sshd being down is the consequence, told after it.
  REQUIRE(r.report["causes"].size() >= 2);
  CHECK(r.report["causes"][1].value("id", "") == "server.liveness.refused");
}

TEST_CASE("why: a client with nothing against it on the server: exit 1 and client steps",
          "[e2e][why]") {
  WhyCase c(8);
  c.sshd().Start();
  const auto r = c.Why({"--ip", c.client(), "--user", "root"});
  INFO(c.Diagnostics(r));
  CHECK(r.exit_code == 1);
  CHECK(r.report.value("verdict", "") == "no_server_side_cause");
  CHECK(r.report["causes"].empty());
  CHECK(Contains(r.report["client_side"].dump(), "ssh -vvv"));
  CHECK(Contains(r.report["client_side"].dump(), "ssh-keygen -R"));
  CHECK(Contains(r.text, "No server-side cause found"));
  // What it ruled out, and why.
  CHECK(Contains(r.report["ruled_out"].dump(), "sshd down"));
}

TEST_CASE("why: without --ip or --user it says what it needs and exits 2", "[e2e][why]") {
  const auto r = RunCommand({SSHD_HEALTH_BINARY, "why"});
  CHECK(r.exit_code == 2);
  CHECK(Contains(r.err, "give --ip ADDR or --user NAME"));
  CHECK(RunCommand({SSHD_HEALTH_BINARY, "why", "--ip", "not-an-address"}).exit_code == 2);
  CHECK(RunCommand({SSHD_HEALTH_BINARY, "why", "--user", "root", "--since", "soon"}).exit_code ==
        2);
}
