// The real sshd-health binary as a daemon: journal and file sources end to end,
// exactly-once across SIGTERM and restart, SIGHUP reloads, sd_notify, and a real sshd.
// What the daemon read is observed in its trace log ("record SOURCE: LINE"); alerts on
// its stdout notifier (JSON lines) with a test rule that fires at 3 failed logins per IP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>

#include "daemon_harness.h"
#include "journal_writer.h"
#include "real_sshd.h"
#include "subprocess.h"
#include "syslog_lines.h"
#include "temp_dir.h"

using namespace std::chrono_literals;
using test::AppendFile;
using test::WaitFor;

namespace {

constexpr const char* kTestRule = R"(rules:
  - id: test.failed_login
    description: failed logins from one address (test rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 3
    window: 10m
    severity: warning
    summary: "{count} failed logins from {ip}"
    remedy: "nothing to do: a test"
)";

struct Setup {
  TempDir dir;
  std::string log = dir.path() + "/auth.log";
  std::string journal_dir = dir.path() + "/journal";
  test::DaemonUnderTest daemon{dir.path()};

  Setup() {
    std::filesystem::create_directories(dir.path() + "/rules");
    std::filesystem::create_directories(journal_dir);
    test::WriteFile(dir.path() + "/rules/test.yaml", kTestRule);
  }

  // journal: "" = off, else "tail" or "head" on journal_dir. files: paths.
  std::string Config(const std::string& journal, const std::vector<std::string>& files,
                     const std::string& start = "head") const {
    std::string c = "state_dir: " + dir.path() + "/state\nlog_level: trace\nsources:\n";
    if (journal.empty()) {
      c += "  journal: { enabled: false, start: " + start + " }\n";
    } else {
      c += "  journal: { enabled: true, directory: " + journal_dir + ", start: " + journal + " }\n";
    }
    c += "  files: [";
    for (std::size_t i = 0; i < files.size(); ++i)
      c += (i ? ", " : "") + ("{ path: " + files[i] + " }");
    c += "]\nrules: { paths: [" + dir.path() +
         "/rules] }\naudit: { enabled: false }\n"
         "notify:\n  group_wait: 0s\n  notifiers:\n    - { name: out, type: stdout }\n";
    return c;
  }
};

std::string SyslogLine(const std::string& message, int pid = 4711) {
  return test::StampedSyslogLine(message, pid);
}

bool EveryLineOnce(const std::map<std::string, int>& records, const std::vector<std::string>& lines,
                   std::string& why) {
  for (const auto& l : lines) {
    const auto it = records.find(l);
    const int n = it == records.end() ? 0 : it->second;
    if (n != 1) {
      why = "'" + l + "' read " + std::to_string(n) + " times";
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("daemon reports a journal entry appended after start", "[daemon][journal]") {
  Setup s;
  {
    test::JournalWriter before(s.journal_dir, "before");
    before.Write("sshd", 1, "Server listening on 0.0.0.0 port 22.");  // tail skips it
  }  // journal-remote has finished the file
  test::JournalWriter w(s.journal_dir);
  s.daemon.WriteConfig(s.Config("tail", {}));
  s.daemon.Start();
  for (int i = 0; i < 3; ++i)
    w.Write("sshd-session", 100 + i, "Failed password for root from 192.0.2.10 port 4242 ssh2");
  w.Write("sshd", 9, "END");
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return s.daemon.Err().find("sshd[9]: END") != std::string::npos; }, 10s));
  CHECK(s.daemon.Err().find("Server listening") == std::string::npos);
  CHECK(s.daemon.Err().find("sshd-session[100]: Failed password for root from 192.0.2.10") !=
        std::string::npos);
  // Once the parser and rules are in: three failures make the test rule fire.
  CHECK(WaitFor([&] { return s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") == 1; },
                10s));
  CHECK(s.daemon.AlertsContaining("192.0.2.10") == 1);
  CHECK(WaitFor(
      [&] { return s.daemon.notify().Received("STATUS=1 sources, 4 lines, 3 events, 1 alerts"); },
      10s));
  CHECK(s.daemon.Stop() == 0);
  CHECK(s.daemon.notify().Received("STOPPING=1"));
}

TEST_CASE("daemon reads every file line exactly once across SIGTERM and restart",
          "[daemon][file]") {
  Setup s;
  s.daemon.WriteConfig(s.Config("", {s.log}));
  test::WriteFile(s.log, "");
  s.daemon.Start();
  std::vector<std::string> lines;
  auto append = [&](int from, int to) {
    std::string chunk;
    for (int i = from; i < to; ++i) {
      lines.push_back(SyslogLine("test line " + std::to_string(i)));
      chunk += lines.back() + "\n";
    }
    AppendFile(s.log, chunk);
  };
  for (int i = 0; i < 10; ++i) append(i * 200, (i + 1) * 200);
  s.daemon.Signal(SIGTERM);  // mid-stream: it may be anywhere in those lines
  for (int i = 10; i < 15; ++i) append(i * 200, (i + 1) * 200);  // while it stops
  REQUIRE(s.daemon.Stop() == 0);
  CHECK(s.daemon.notify().Received("STOPPING=1"));
  for (int i = 15; i < 20; ++i) append(i * 200, (i + 1) * 200);  // while it is down
  s.daemon.Start();
  for (int i = 20; i < 25; ++i) append(i * 200, (i + 1) * 200);
  const std::string last = lines.back();
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount(last) > 0; }, 20s));
  std::string why;
  CHECK(EveryLineOnce(s.daemon.Records(), lines, why));
  INFO(why);
  CHECK(why.empty());
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("daemon reads every journal entry exactly once across SIGTERM and restart",
          "[daemon][journal]") {
  Setup s;
  test::JournalWriter w(s.journal_dir);
  s.daemon.WriteConfig(s.Config("head", {}));
  int n = 0;
  auto write = [&](int count) {
    for (int i = 0; i < count; ++i, ++n)
      w.Write("sshd", 1000 + n, "journal line " + std::to_string(n));
  };
  write(10);
  s.daemon.Start();
  write(500);
  s.daemon.Signal(SIGTERM);
  write(200);
  REQUIRE(s.daemon.Stop() == 0);
  write(200);
  s.daemon.Start();
  write(100);
  const std::string last = "journal line " + std::to_string(n - 1);
  std::map<std::string, int> by_message;
  REQUIRE(WaitFor(
      [&] {
        by_message.clear();
        for (const auto& [line, count] : s.daemon.Records())
          by_message[line.substr(line.find("]: ") + 3)] += count;
        return by_message.count(last) > 0;
      },
      20s));
  std::vector<std::string> expected;
  for (int i = 0; i < n; ++i) expected.push_back("journal line " + std::to_string(i));
  std::string why;
  EveryLineOnce(by_message, expected, why);
  INFO(why);
  CHECK(why.empty());
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("SIGHUP with a broken config keeps the daemon running and alerts - a good one is applied",
          "[daemon][reload]") {
  Setup s;
  const std::string other = s.dir.path() + "/other.log";
  s.daemon.WriteConfig(s.Config("", {s.log}));
  s.daemon.Start();
  AppendFile(s.log, "first\n");
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount("first") == 1; }, 10s));

  SECTION("a bad key") { s.daemon.WriteConfig(s.Config("", {s.log}) + "bogus_key: 1\n"); }
  SECTION("a bad rule file") {
    test::WriteFile(s.dir.path() + "/rules/broken.yaml",
                    "rules:\n  - id: x\n    match: { kinds: [no_such_kind] }\n");
  }
  s.daemon.Signal(SIGHUP);
  REQUIRE(WaitFor(
      [&] { return s.daemon.AlertsContaining("\"rule\":\"sshd_health.reload_failed\"") == 1; },
      10s));
  CHECK(s.daemon.AlertsContaining("sshd-health config validate") == 1);
  CHECK(s.daemon.Running());
  CHECK(s.daemon.notify().Received("RELOADING=1"));
  // The error names the file (and line): the log says so too.
  CHECK(s.daemon.Err().find("reload failed, keeping the running configuration: ") !=
        std::string::npos);
  AppendFile(s.log, "still read\n");
  CHECK(WaitFor([&] { return s.daemon.RecordCount("still read") == 1; }, 10s));

  // A good config that follows another file instead.
  std::filesystem::remove(s.dir.path() + "/rules/broken.yaml");
  s.daemon.WriteConfig(s.Config("", {other}));
  s.daemon.Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return s.daemon.Err().find("reloaded ") != std::string::npos; }, 10s));
  AppendFile(other, "from the other file\n");
  AppendFile(s.log, "not followed any more\n");
  CHECK(WaitFor([&] { return s.daemon.RecordCount("from the other file") == 1; }, 10s));
  CHECK(s.daemon.RecordCount("not followed any more") == 0);
  CHECK(s.daemon.Stop() == 0);
}

// Regression: a reload that changed only notify.rate_limit was logged as applied, but the
// notifiers were not rebuilt and kept the old limit.
TEST_CASE("SIGHUP that changes only notify.rate_limit rebuilds the notifiers", "[daemon][reload]") {
  Setup s;
  const std::string config = s.Config("", {s.log});
  s.daemon.WriteConfig(config);
  s.daemon.Start();
  std::string limited = config;
  limited.replace(limited.find("  group_wait: 0s\n"), 0, "  rate_limit: 2\n");
  s.daemon.WriteConfig(limited);
  s.daemon.Signal(SIGHUP);
  REQUIRE(WaitFor([&] { return s.daemon.Err().find("reloaded ") != std::string::npos; }, 10s));
  INFO(s.daemon.Err());
  CHECK(s.daemon.Err().find("notifiers rebuilt") != std::string::npos);
  CHECK(s.daemon.Err().find("sources re-opened") == std::string::npos);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("daemon tailing a real sshd's log reports failed logins and alerts past the threshold",
          "[daemon][sshd]") {
  Setup s;
  const std::string sshd_dir = s.dir.path() + "/sshd";
  std::filesystem::create_directories(sshd_dir);
  test::RealSshd sshd(sshd_dir);
  sshd.Start();
  s.daemon.WriteConfig(s.Config("", {sshd.log_path()}, "head"));
  s.daemon.Start();
  for (int i = 0; i < 3; ++i) {
    const auto r = sshd.Client("nosuchuser", {}, "wrong-password");
    CHECK(r.exit_code != 0);
  }
  INFO(s.daemon.Err());
  CHECK(WaitFor(
      [&] {
        const std::string err = s.daemon.Err();
        std::size_t n = 0;
        for (auto at = err.find("event auth_failure ip=127.0.0.1"); at != std::string::npos;
             at = err.find("event auth_failure ip=127.0.0.1", at + 1)) {
          ++n;
        }
        return n == 3;
      },
      15s));
  CHECK(WaitFor([&] { return s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") == 1; },
                10s));
  CHECK(s.daemon.AlertsContaining("\"ip\":\"127.0.0.1\"") == 1);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("daemon following the journal and rsyslog's copy in a file reports each line once",
          "[daemon][dedup]") {
  Setup s;
  test::JournalWriter w(s.journal_dir);
  test::WriteFile(s.log, "");
  s.daemon.WriteConfig(s.Config("head", {s.log}));
  s.daemon.Start();
  for (int i = 0; i < 3; ++i) {
    const std::string message =
        "Failed password for root from 192.0.2.77 port " + std::to_string(5000 + i) + " ssh2";
    w.Write("sshd", 321, message);
    AppendFile(s.log, SyslogLine(message, 321) + "\n");
  }
  w.Write("sshd", 321, "END");
  AppendFile(s.log, SyslogLine("END", 321) + "\n");
  // Each message reaches the daemon twice; the second copy is logged as a duplicate.
  auto count = [&](const std::string& what) {
    const std::string err = s.daemon.Err();
    int n = 0;
    for (auto at = err.find(what); at != std::string::npos; at = err.find(what, at + 1)) ++n;
    return n;
  };
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return count(" duplicate ") == 4; }, 10s));
  int total = 0;
  for (const auto& [line, n] : s.daemon.Records()) {
    if (line.find("192.0.2.77") != std::string::npos) total += n;
  }
  CHECK(total == 3);
  CHECK(count("sshd[321]: END") == 2);  // once read, once dropped
  CHECK(s.daemon.Stop() == 0);
}

namespace {

// A minimal HTTP GET on loopback; returns the whole response ("" on failure).
std::string HttpGet(int port, const std::string& target) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("daemon serves its counters as Prometheus metrics", "[daemon][metrics]") {
  Setup s;
  const int port = test::FreeTcpPort();
  s.daemon.WriteConfig(s.Config("", {s.log}) +
                       "metrics: { listen: \"127.0.0.1:" + std::to_string(port) + "\" }\n");
  test::WriteFile(s.log, "");
  s.daemon.Start();
  AppendFile(s.log, SyslogLine("Failed password for root from 192.0.2.5 port 22 ssh2") + "\n");
  std::string body;
  CHECK(WaitFor(
      [&] {
        body = HttpGet(port, "/metrics");
        return body.find("\nsshd_health_lines_total 1\n") != std::string::npos;
      },
      10s));
  INFO(body);
  CHECK(body.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(body.find("# TYPE sshd_health_events_total counter") != std::string::npos);
  CHECK(body.find("sshd_health_source_records_total{source=\"file " + s.log + "\"} 1") !=
        std::string::npos);
  CHECK(HttpGet(port, "/other").rfind("HTTP/1.1 404", 0) == 0);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("daemon reads a journal directory of two machines' files as one stream, per host",
          "[daemon][journal]") {
  // A central log host's /var/log/journal/remote/: systemd-journal-remote's
  // remote-HOST.journal files, one per machine, the same PIDs on both. The files are
  // complete before the daemon starts (start: head); entries of one file arriving after
  // another file's newer ones were read: tests/faults/journal_faults_test.cpp.
  Setup s;
  {
    test::JournalWriter alpha(s.journal_dir, "remote-alpha");
    alpha.SetMachine("alpha", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    test::JournalWriter beta(s.journal_dir, "remote-beta");
    beta.SetMachine("beta", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    // 2 failures from 192.0.2.20 on each machine (4 in all, the rule wants 3 on one
    // host), 3 from 192.0.2.21 on beta only; PID 300 on both machines.
    for (int i = 0; i < 2; ++i) {
      alpha.Write("sshd-session", 300, "Failed password for root from 192.0.2.20 port 4242 ssh2");
      beta.Write("sshd-session", 300, "Failed password for root from 192.0.2.20 port 4242 ssh2");
    }
    for (int i = 0; i < 3; ++i)
      beta.Write("sshd-session", 300, "Failed password for root from 192.0.2.21 port 4242 ssh2");
    alpha.Write("sshd", 9, "END alpha");
    beta.Write("sshd", 9, "END beta");
  }  // journal-remote has finished both files
  s.daemon.WriteConfig(s.Config("head", {}));
  s.daemon.Start();
  REQUIRE(WaitFor(
      [&] {
        const std::string err = s.daemon.Err();
        return err.find("alpha sshd[9]: END alpha") != std::string::npos &&
               err.find("beta sshd[9]: END beta") != std::string::npos;
      },
      10s));
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") >= 1; },
                  10s));
  CHECK(s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") == 1);
  CHECK(s.daemon.AlertsContaining("\"host\":\"beta\"") == 1);
  CHECK(s.daemon.AlertsContaining("192.0.2.21") == 1);
  CHECK(s.daemon.AlertsContaining("192.0.2.20") == 0);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE(
    "daemon follows a glob of host directories, new ones too, each file once across a "
    "restart",
    "[daemon][file]") {
  // A central log host's rsyslog layout: /var/log/remote/HOST/auth.log.
  Setup s;
  const std::string remote = s.dir.path() + "/remote";
  std::filesystem::create_directories(remote + "/web1");
  test::WriteFile(remote + "/web1/auth.log", "");
  s.daemon.WriteConfig(s.Config("", {"\"" + remote + "/*/auth.log\""}));
  s.daemon.Start();
  std::vector<std::string> lines;
  auto log = [&](const std::string& host, const std::string& message) {
    std::string line = SyslogLine(message, 300);
    line.replace(line.find(" testhost "), 10, " " + host + " ");
    lines.push_back(line);
    AppendFile(remote + "/" + host + "/auth.log", line + "\n");
  };
  const std::string fail = "Failed password for root from 192.0.2.30 port 4242 ssh2";
  log("web1", fail);
  log("web1", fail + " ");
  // A host that starts forwarding later: rsyslog creates its directory and file.
  std::filesystem::create_directories(remote + "/web2");
  log("web2", fail);
  log("web2", fail + " ");
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount(lines.back()) == 1; }, 10s));
  // 2 + 2 from one address: the test rule wants 3 on one host.
  CHECK(s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") == 0);
  log("web2", fail + "  ");
  REQUIRE(WaitFor([&] { return s.daemon.AlertsContaining("\"host\":\"web2\"") == 1; }, 10s));
  REQUIRE(s.daemon.Stop() == 0);
  // While it is down, both hosts go on; after the restart each file resumes at its own
  // position.
  log("web1", "Connection closed by 192.0.2.31 port 1 [preauth]");
  log("web2", "Connection closed by 192.0.2.32 port 2 [preauth]");
  s.daemon.Start();
  log("web1", "Connection closed by 192.0.2.33 port 3 [preauth]");
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount(lines.back()) == 1; }, 10s));
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount(lines[lines.size() - 2]) == 1; }, 10s));
  std::string why;
  CHECK(EveryLineOnce(s.daemon.Records(), lines, why));
  INFO(why);
  CHECK(why.empty());
  CHECK(s.daemon.AlertsContaining("\"rule\":\"test.failed_login\"") == 1);
  CHECK(s.daemon.Stop() == 0);
}
