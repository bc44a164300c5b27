// Issue 21: detection survives restarts, reloads and crashes. The real binary with the
// shipped brute-force rule (10 failures in 10 minutes) and a real webhook receiver: an
// attack split by a SIGTERM + start, a SIGHUP or kill -9 is still detected, exactly once.
// The daemon replays the last rule windows of its logs at start; its told memory keeps it
// from telling the receiver again what it already has.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <map>
#include <random>

#include "daemon_harness.h"
#include "journal_writer.h"
#include "receivers.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace std::chrono_literals;
using test::AppendFile;
using test::WaitFor;

namespace {

constexpr const char* kBruteForce = "sshd.auth.brute_force";

struct Setup {
  TempDir dir;
  std::string log = dir.path() + "/auth.log";
  std::string journal_dir = dir.path() + "/journal";
  std::string rules = std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules";
  test::WebhookReceiver hook;
  test::DaemonUnderTest daemon{dir.path()};

  Setup() {
    std::filesystem::create_directories(journal_dir);
    test::WriteFile(log, "");
    hook.Start();
  }

  std::string Config(bool journal = false) const {
    std::string c = "state_dir: " + dir.path() + "/state\nlog_level: debug\nsources:\n";
    if (journal) {
      c += "  journal: { enabled: true, directory: " + journal_dir +
           ", start: head }\n  files: []\n";
    } else {
      c += "  journal: { enabled: false, start: head }\n  files: [ { path: " + log + " } ]\n";
    }
    c += "rules: { paths: [" + rules +
         "] }\naudit: { enabled: false }\n"
         "notify:\n  group_wait: 0s\n  notifiers:\n    - { name: hook, type: webhook, url: \"" +
         hook.url() + "\" }\n";
    return c;
  }

  int Count(const std::string& what) const {
    const std::string err = daemon.Err();
    int n = 0;
    for (auto at = err.find(what); at != std::string::npos; at = err.find(what, at + 1)) ++n;
    return n;
  }

  // Alerts of `rule`/`status` the receiver accepted, per ip label.
  std::map<std::string, int> ByIp(const std::string& rule = kBruteForce,
                                  const std::string& status = "firing") const {
    std::map<std::string, int> out;
    for (const auto& a : hook.Find(rule, status)) ++out[a["labels"].value("ip", "")];
    return out;
  }
};

// A syslog line stamped `age` ago (the rules count by the lines' own time).
std::string SyslogLine(const std::string& message, std::chrono::seconds age = 0s, int pid = 4711) {
  const std::time_t t = std::time(nullptr) - static_cast<std::time_t>(age.count());
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return std::string(stamp) + " testhost sshd[" + std::to_string(pid) + "]: " + message;
}

std::string Failure(const std::string& ip, int n) {
  return "Failed password for root from " + ip + " port " + std::to_string(40000 + n) + " ssh2";
}

// Appends `n` failures from `ip`, numbered from `from`.
void Fail(const Setup& s, const std::string& ip, int from, int n, std::chrono::seconds age = 0s) {
  std::string chunk;
  for (int i = from; i < from + n; ++i) chunk += SyslogLine(Failure(ip, i), age) + "\n";
  AppendFile(s.log, chunk);
}

// Waits until the daemon has read (as new records) every failure numbered below `upto`.
bool ReadAll(const Setup& s, const std::string& ip, int upto) {
  return WaitFor([&] { return s.Count("event auth_failure ip=" + ip + " ") >= upto; }, 15s);
}

}  // namespace

TEST_CASE("an attack split by a restart (SIGTERM, start) is detected, once", "[daemon][restart]") {
  Setup s;
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  Fail(s, "198.51.100.7", 0, 5);
  REQUIRE(ReadAll(s, "198.51.100.7", 5));
  REQUIRE(s.daemon.Stop() == 0);
  s.daemon.Start();
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return s.Count("replay done: 5 records") == 1; }, 15s));
  Fail(s, "198.51.100.7", 5, 6);
  CHECK(s.hook.WaitFor(kBruteForce)["labels"].value("ip", "") == "198.51.100.7");
  REQUIRE(s.daemon.Stop() == 0);  // delivers what is queued: nothing more may come
  INFO(s.hook.Dump());
  CHECK(s.ByIp() == std::map<std::string, int>{{"198.51.100.7", 1}});
  // The first ten counted to the threshold: the alert says 10, as without the restart.
  CHECK(s.hook.Find(kBruteForce).front().value("count", 0) == 10);
}

TEST_CASE("an attack split by a restart of a journal-reading daemon is detected, once",
          "[daemon][restart][journal]") {
  Setup s;
  test::JournalWriter w(s.journal_dir);
  s.daemon.WriteConfig(s.Config(/*journal=*/true));
  s.daemon.Start();
  for (int i = 0; i < 5; ++i) w.Write("sshd-session", 200 + i, Failure("203.0.113.9", i));
  REQUIRE(ReadAll(s, "203.0.113.9", 5));
  REQUIRE(s.daemon.Stop() == 0);
  s.daemon.Start();
  INFO(s.daemon.Err());
  REQUIRE(WaitFor([&] { return s.Count("replay done: 5 records") == 1; }, 15s));
  for (int i = 5; i < 11; ++i) w.Write("sshd-session", 200 + i, Failure("203.0.113.9", i));
  CHECK(s.hook.WaitFor(kBruteForce)["labels"].value("ip", "") == "203.0.113.9");
  REQUIRE(s.daemon.Stop() == 0);
  INFO(s.hook.Dump());
  CHECK(s.ByIp() == std::map<std::string, int>{{"203.0.113.9", 1}});
}

TEST_CASE("a SIGHUP keeps the state of unchanged rules and resets changed ones",
          "[daemon][restart][reload]") {
  Setup s;
  // A copy of the shipped rules, so the test can change one.
  const std::string rules = s.dir.path() + "/rules";
  std::filesystem::create_directories(rules);
  for (const auto& f : std::filesystem::directory_iterator(s.rules)) {
    if (f.path().extension() == ".yaml")
      std::filesystem::copy_file(f.path(), rules + "/" + f.path().filename().string());
  }
  s.rules = rules;
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  Fail(s, "198.51.100.20", 0, 5);
  REQUIRE(ReadAll(s, "198.51.100.20", 5));
  std::string auth = test::ReadFile(rules + "/auth.yaml");

  SECTION("config and rules unchanged: every rule keeps its state, one alert") {
    s.daemon.Signal(SIGHUP);
    REQUIRE(WaitFor([&] { return s.Count(" reset 0") == 1; }, 10s));
    CHECK(s.Count("rules' state, reset 0") == 1);
    Fail(s, "198.51.100.20", 5, 6);
    CHECK(!s.hook.WaitFor(kBruteForce).is_null());
    REQUIRE(s.daemon.Stop() == 0);
    CHECK(s.ByIp() == std::map<std::string, int>{{"198.51.100.20", 1}});
  }
  SECTION("another rule changed: it is reset, brute force keeps counting") {
    const auto at = auth.find("threshold: 1\n", auth.find("id: sshd.auth.too_many_failures"));
    REQUIRE(at != std::string::npos);
    auth.replace(at, 13, "threshold: 2\n");
    test::WriteFile(rules + "/auth.yaml", auth);
    s.daemon.Signal(SIGHUP);
    REQUIRE(WaitFor([&] { return s.Count("rules' state, reset 1") == 1; }, 10s));
    Fail(s, "198.51.100.20", 5, 6);
    CHECK(!s.hook.WaitFor(kBruteForce).is_null());
    REQUIRE(s.daemon.Stop() == 0);
    CHECK(s.ByIp() == std::map<std::string, int>{{"198.51.100.20", 1}});
  }
  SECTION("brute force itself changed: it starts counting afresh") {
    const auto at = auth.find("window: 10m\n", auth.find("id: sshd.auth.brute_force"));
    REQUIRE(at != std::string::npos);
    auth.replace(at, 12, "window: 11m\n");
    test::WriteFile(rules + "/auth.yaml", auth);
    s.daemon.Signal(SIGHUP);
    REQUIRE(WaitFor([&] { return s.Count("rules' state, reset 1") == 1; }, 10s));
    Fail(s, "198.51.100.20", 5, 6);
    REQUIRE(ReadAll(s, "198.51.100.20", 11));
    Fail(s, "198.51.100.20", 11, 4);  // 10 since the reload
    CHECK(!s.hook.WaitFor(kBruteForce).is_null());
    REQUIRE(s.daemon.Stop() == 0);
    REQUIRE(s.ByIp() == std::map<std::string, int>{{"198.51.100.20", 1}});
    CHECK(s.hook.Find(kBruteForce).front().value("count", 0) == 10);
  }
}

TEST_CASE(
    "an alert that resolved while the daemon was down is resolved after start - a firing one is "
    "not "
    "re-sent",
    "[daemon][restart]") {
  Setup s;
  // The shipped cooldown (30 min) is too long for a test: one rule like it, quiet after 30 s.
  const std::string rules = s.dir.path() + "/rules";
  std::filesystem::create_directories(rules);
  test::WriteFile(rules + "/short.yaml", R"(rules:
  - id: test.short_cooldown
    description: brute force with a short cooldown (test rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 3
    window: 10m
    cooldown: 30s
    severity: warning
    summary: "{count} failed logins from {ip}"
    remedy: "nothing to do: a test"
)");
  s.rules = rules;
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  const auto written = std::chrono::steady_clock::now();
  Fail(s, "192.0.2.1", 0, 3, 20s);  // A: its last failure 20 s ago, quiet for 30 s in 10 s
  Fail(s, "192.0.2.2", 0, 3);       // B: now
  REQUIRE(WaitFor([&] { return s.ByIp("test.short_cooldown").size() == 2; }, 10s));
  REQUIRE(s.daemon.Stop() == 0);
  INFO(s.hook.Dump());
  REQUIRE(s.hook.Find("test.short_cooldown", "resolved")
              .empty());  // the test needs A resolving while down
  // Down until A has been quiet for its cooldown (B has not: 30 s after now).
  REQUIRE(WaitFor([&] { return std::chrono::steady_clock::now() >= written + 12s; }, 20s));
  s.daemon.Start();
  INFO(s.daemon.Err());
  const auto resolved = s.hook.WaitFor("test.short_cooldown", "resolved", 10s);
  REQUIRE(!resolved.is_null());
  CHECK(resolved["labels"].value("ip", "") == "192.0.2.1");
  REQUIRE(s.daemon.Stop() == 0);
  CHECK(s.ByIp("test.short_cooldown", "resolved") == std::map<std::string, int>{{"192.0.2.1", 1}});
  CHECK(s.ByIp("test.short_cooldown") ==
        std::map<std::string, int>{{"192.0.2.1", 1}, {"192.0.2.2", 1}});
}

// kill -9 at random points (fixed seed; issue 18 asks for at least 20) while 60 sources
// each fail 10 times: every source is alerted. Duplicates are possible only when a kill
// falls between the spool append and the told-memory append (or between the receiver's
// OK and the spool update); counted, and printed for the README's Reliability section.
TEST_CASE("sixty attacks across twenty kill -9 crashes are each alerted",
          "[daemon][restart][crash]") {
  constexpr std::size_t kKills = 20;
  Setup s;
  s.daemon.WriteConfig(s.Config());
  std::vector<std::string> lines;
  for (int src = 0; src < 60; ++src) {
    for (int i = 0; i < 10; ++i) lines.push_back(Failure("10.21.0." + std::to_string(src + 1), i));
  }
  std::mt19937 rng(21);
  std::shuffle(lines.begin(), lines.end(), rng);
  std::vector<std::size_t> kills;
  std::uniform_int_distribution<std::size_t> at(20, lines.size() - 20);
  while (kills.size() < kKills) {
    const std::size_t k = at(rng);
    if (std::find(kills.begin(), kills.end(), k) == kills.end()) kills.push_back(k);
  }
  std::sort(kills.begin(), kills.end());
  s.daemon.Start();
  std::size_t next = 0;
  const auto write = [&](std::size_t upto) {
    std::string chunk;
    for (; next < upto; ++next) chunk += SyslogLine(lines[next]) + "\n";
    AppendFile(s.log, chunk);
  };
  std::uniform_int_distribution<std::size_t> burst(1, 12);
  for (const std::size_t k : kills) {
    while (next < k) write(std::min(k, next + burst(rng)));
    s.daemon.Kill();  // wherever it is: reading, alerting, delivering, saving
    write(std::min(lines.size(), next + burst(rng)));  // while it is down
    s.daemon.Start();
  }
  while (next < lines.size()) write(std::min(lines.size(), next + burst(rng)));
  INFO(s.hook.Dump());
  CHECK(WaitFor([&] { return s.ByIp().size() == 60; }, 60s));
  REQUIRE(s.daemon.Stop() == 0);
  const auto by_ip = s.ByIp();
  int sent = 0;
  int duplicates = 0;
  for (const auto& [ip, n] : by_ip) {
    sent += n;
    duplicates += n - 1;
  }
  WARN("kill -9 loop: " << kKills << " kills; " << by_ip.size() << " of 60 attacks alerted ("
                        << 60 - by_ip.size() << " lost), " << sent << " alerts received, "
                        << duplicates << " duplicates");
  CHECK(by_ip.size() == 60);
  // At-least-once: a duplicate needs a kill inside a window of microseconds; each kill
  // can make at most a few (the alerts of the batch it interrupted).
  CHECK(duplicates <= static_cast<int>(kKills));
}
