// `sshd-health status` against the real daemon: lines appended to a file it follows make
// a test rule fire, and `status` (text and JSON) shows how far the file was read, the
// alert firing and a webhook notifier's queue and last error (its receiver answers 503);
// killed with SIGKILL, the daemon leaves its file behind and `status` says it is gone
// (exit 3); stopped, it removes the file.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon_harness.h"
#include "receivers.h"
#include "subprocess.h"
#include "syslog_lines.h"
#include "temp_dir.h"

using namespace std::chrono_literals;
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

std::string SyslogLine(const std::string& message, int pid = 4711) {
  return test::StampedSyslogLine(message, pid);
}

struct Setup {
  TempDir dir;
  std::string log = dir.path() + "/auth.log";
  std::string status_file = dir.path() + "/run/status.json";
  test::WebhookReceiver hook{{"--fail-first", "100000", "--fail-status", "503"}};
  test::DaemonUnderTest daemon{dir.path()};

  Setup() {
    std::filesystem::create_directories(dir.path() + "/rules");
    test::WriteFile(dir.path() + "/rules/test.yaml", kTestRule);
    test::WriteFile(log, "");
    hook.Start();
    daemon.WriteConfig("state_dir: " + dir.path() + "/state\nstatus_file: " + status_file +
                       "\nsources:\n  journal: { enabled: false }\n  files: [{ path: " + log +
                       " }]\nrules: { paths: [" + dir.path() +
                       "/rules] }\naudit: { enabled: false }\n"
                       "notify:\n  group_wait: 0s\n  notifiers:\n"
                       "    - { name: out, type: stdout }\n"
                       "    - { name: hook, type: webhook, url: \"" +
                       hook.url() + "\" }\n");
  }

  test::CommandOutput Status(const std::string& format = "text") const {
    return test::RunCommand(
        {SSHD_HEALTH_BINARY, "status", "-c", daemon.config_path(), "--format", format}, 10000ms);
  }
  nlohmann::json StatusJson() const {
    return nlohmann::json::parse(Status("json").out, nullptr, /*allow_exceptions=*/false);
  }
};

}  // namespace

TEST_CASE("status shows what the running daemon read, fires and queues - killed, it is gone",
          "[app][status]") {
  Setup s;
  s.daemon.Start();
  // Ready means the status file is there: `status` answers from the first moment.
  auto first = s.Status();
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("running: pid " + std::to_string(s.daemon.pid())));
  CHECK_THAT(first.out, Catch::Contains("Firing alerts (0)\n  none"));

  std::string lines;
  for (int port : {50001, 50002, 50003})
    lines += SyslogLine("Failed password for root from 192.0.2.7 port " + std::to_string(port) +
                        " ssh2") +
             "\n";
  test::AppendFile(s.log, lines);
  const auto size = static_cast<std::int64_t>(std::filesystem::file_size(s.log));

  // The file is rewritten at most once a second: wait, with a deadline, until it shows the
  // alert and the webhook's failed delivery.
  nlohmann::json j;
  const bool seen = WaitFor(
      [&] {
        j = s.StatusJson();
        if (!j.is_object() || j.value("running", false) != true) return false;
        const auto& notifiers = j["notifiers"];
        return j["alerts"]["firing"].size() == 1 && notifiers.size() == 2 &&
               notifiers[1]["last_error"].is_string() && j["sources"][0]["offset"] == size;
      },
      20000ms, 200ms);
  INFO(j.dump(2) << "\n" << s.daemon.Err());
  REQUIRE(seen);
  CHECK(j["daemon"]["pid"] == s.daemon.pid());
  CHECK(j["daemon"]["config"] == s.daemon.config_path());
  CHECK(j["status_file"] == s.status_file);
  const auto& src = j["sources"][0];
  CHECK(src["kind"] == "file");
  CHECK(src["path"] == s.log);
  CHECK(src["open"] == true);
  CHECK(src["lines"] == 3);
  struct stat st {};
  REQUIRE(::stat(s.log.c_str(), &st) == 0);
  CHECK(src["inode"] == static_cast<std::uint64_t>(st.st_ino));
  CHECK(src["last_line"].is_string());
  const auto& alert = j["alerts"]["firing"][0];
  CHECK(alert["rule"] == "test.failed_login");
  CHECK(alert["labels"]["ip"] == "192.0.2.7");
  CHECK(alert["count"] == 3);
  CHECK(alert["severity"] == "warning");
  const auto& out = j["notifiers"][0];
  CHECK(out["name"] == "out");
  CHECK(out["delivered"] == 1);
  const auto& hook = j["notifiers"][1];
  CHECK(hook["type"] == "webhook");
  // Not delivered: it waits in the spool for the next retry.
  CHECK(hook["queued"].get<int>() + hook["spooled"].get<int>() == 1);
  CHECK(hook["delivered"] == 0);
  CHECK_THAT(hook["last_error"].get<std::string>(), Catch::Contains("503"));

  const auto text = s.Status();
  INFO(text.out);
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("file " + s.log + ": inode " + std::to_string(st.st_ino) +
                                       ", offset " + std::to_string(size) + "\n    3 lines read"));
  CHECK_THAT(text.out, Catch::Contains("Firing alerts (1)\n  warning test.failed_login "
                                       "ip=192.0.2.7: count 3, since"));
  CHECK_THAT(text.out, Catch::Contains("3 failed logins from 192.0.2.7"));
  CHECK_THAT(text.out, Catch::Contains("hook (webhook): queued "));
  CHECK_THAT(text.out, Catch::Contains("    last error "));

  // SIGKILL: nothing is cleaned up, the file stays, the pid is gone.
  s.daemon.Kill();
  REQUIRE(std::filesystem::exists(s.status_file));
  const auto dead = s.Status();
  INFO(dead.out);
  CHECK(dead.exit_code == 3);
  CHECK_THAT(dead.out, Catch::StartsWith("sshd-health daemon: not running: the daemon that wrote " +
                                         s.status_file + " (pid "));
  CHECK_THAT(dead.out, Catch::Contains("is gone; it stopped without removing the file"));
  const auto dead_json = s.Status("json");
  CHECK(dead_json.exit_code == 3);
  const auto dj = nlohmann::json::parse(dead_json.out);
  CHECK(dj["running"] == false);
  CHECK(dj["age_seconds"].is_number());
  CHECK_THAT(dj["reason"].get<std::string>(), Catch::Contains("is gone"));
}

TEST_CASE("A daemon stopped with SIGTERM removes its status file: status says so, exit 3",
          "[app][status]") {
  Setup s;
  s.daemon.Start();
  REQUIRE(s.Status().exit_code == 0);
  REQUIRE(s.daemon.Stop() == 0);
  CHECK_FALSE(std::filesystem::exists(s.status_file));
  const auto r = s.Status();
  CHECK(r.exit_code == 3);
  CHECK(r.out == "sshd-health daemon: not running: no status file at " + s.status_file +
                     ": the daemon is not running (or it runs with another status_file; pass "
                     "its config with -c)\n");
}
