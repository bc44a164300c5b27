#pragma once
// What the fault-injection tests share: the real sshd-health binary (daemon_harness.h) in
// a directory of the test's own, reading a log file and/or journal files there, with a
// test rule that alerts on every failed login (one alert per address), alerts on stdout
// and, when asked, to a notifier of the test's. Every record the daemon reads shows in its
// log (log_level: trace), so "read exactly once" is counted there.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/state_store.h"
#include "daemon_harness.h"
#include "subprocess.h"
#include "temp_dir.h"

namespace faults {

using namespace std::chrono_literals;

// Each failed login is its own alert (grouped by address, threshold 1).
inline constexpr const char* kEveryFailureRule = R"(rules:
  - id: test.every_failure
    description: every failed login (test rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 1
    window: 10m
    cooldown: 10m
    severity: warning
    summary: "failed login from {ip}"
    remedy: "nothing to do: a test"
)";

/// A syslog line of sshd, stamped now (the rules count by the lines' own time).
inline std::string SyslogLine(const std::string& message, int pid = 4711) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return std::string(stamp) + " testhost sshd[" + std::to_string(pid) + "]: " + message;
}

/// 10.(n/65536).(n/256).(n%256): one address per n (n < 2^24).
inline std::string IpOf(int n) {
  return "10." + std::to_string((n >> 16) & 255) + "." + std::to_string((n >> 8) & 255) + "." +
         std::to_string(n & 255);
}

/// A failed login from IpOf(n).
inline std::string FailureFrom(int n) {
  return "Failed password for root from " + IpOf(n) + " port " + std::to_string(40000 + n % 20000) +
         " ssh2";
}

/// The numbered line the read-exactly-once tests write: "seq 000042".
inline std::string Seq(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seq %06d", n);
  return buf;
}

/// Checks that lines 0..n-1 were each read exactly once, `times_read(i)` being how often
/// line i was; the first wrong ones are named, to tell a pattern.
template <typename TimesRead>
void CheckEachReadOnce(int n, TimesRead&& times_read) {
  int missing = 0, repeated = 0;
  std::string wrong;
  for (int i = 0; i < n; ++i) {
    const int c = times_read(i);
    missing += c == 0;
    repeated += c > 1;
    if (c != 1 && wrong.size() < 200) wrong += std::to_string(i) + "x" + std::to_string(c) + " ";
  }
  INFO("wrong (number x times read): " << wrong);
  CHECK(missing == 0);
  CHECK(repeated == 0);
}

struct Setup {
  TempDir dir;
  std::string logs = dir.path() + "/logs";
  std::string log = logs + "/auth.log";
  std::string state = dir.path() + "/state";
  std::string journal_dir = dir.path() + "/journal";
  std::string rules = dir.path() + "/rules";
  test::DaemonUnderTest daemon{dir.path()};

  Setup() {
    std::filesystem::create_directories(logs);
    std::filesystem::create_directories(rules);
    test::WriteFile(rules + "/test.yaml", kEveryFailureRule);
  }

  /// The config: the log file (or the journal directory), the test rule, stdout and
  /// `notifiers` (YAML list entries, each "    - {...}\n").
  std::string Config(const std::string& notifiers = "", bool journal = false) const {
    std::string c = "state_dir: " + state + "\nlog_level: trace\nsources:\n";
    if (journal) {
      c += "  journal: { enabled: true, directory: " + journal_dir +
           ", start: head }\n  files: []\n";
    } else {
      c += "  journal: { enabled: false, start: head }\n  files: [ { path: " + log + " } ]\n";
    }
    c += "rules: { paths: [" + rules +
         "] }\naudit: { enabled: false }\n"
         "notify:\n  group_wait: 0s\n  rate_limit: 0\n  notifiers:\n"
         "    - { name: out, type: stdout, format: json }\n" +
         notifiers;
    return c;
  }

  /// How often `what` occurs in the daemon's log.
  int Count(const std::string& what) const {
    const std::string err = daemon.Err();
    int n = 0;
    for (auto at = err.find(what); at != std::string::npos; at = err.find(what, at + 1)) ++n;
    return n;
  }

  /// The daemon's saved position for `path` (null when none, or unreadable).
  nlohmann::json SavedPosition(const std::string& path) const {
    const std::string f = state + "/" + sshd_health::StateStore::KeyForPath("file", path);
    if (::access(f.c_str(), F_OK) != 0) return nullptr;
    return nlohmann::json::parse(test::ReadFile(f), nullptr, false);
  }

  /// Whether the daemon has saved a position in the file now at `path` (it has it open).
  bool Following(const std::string& path) const {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    const auto p = SavedPosition(path);
    return p.is_object() && p.value("ino", std::uint64_t{0}) == st.st_ino;
  }

  /// Whether the daemon has read `path` to its end (its saved offset is the file's size).
  bool CaughtUp(const std::string& path) const {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    const auto p = SavedPosition(path);
    return p.is_object() && p.value("ino", std::uint64_t{0}) == st.st_ino &&
           p.value("offset", std::int64_t{-1}) == st.st_size;
  }

  /// Stdout alerts of the test rule for address number `n`.
  int AlertsFor(int n) const { return daemon.AlertsContaining("\"ip\":\"" + IpOf(n) + "\""); }
};

}  // namespace faults
