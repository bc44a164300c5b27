// ScanJournalDirectory and `scan --journal-directory` against real journal files written
// by systemd-journal-remote.
#include "sources/journal_scan.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "journal_writer.h"
#include "source_harness.h"
#include "subprocess.h"
#include "temp_dir.h"

using sshd_health::ScanJournalDirectory;

namespace {

// What the scan handed on: the source tests' collector.
using Seen = test::Collected;

constexpr std::uint64_t kT0 = 1'790'000'000'000'000;  // 2026-09-21

}  // namespace

TEST_CASE("journal scan reads every sshd entry of a directory once, oldest first",
          "[sources][journal]") {
  TempDir dir;
  {
    test::JournalWriter w(dir.path());
    w.Write("sshd", 100, "Server listening on 0.0.0.0 port 22.", kT0);
    w.Write("CRON", 101, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
            kT0 + 1);
    w.Write("sshd-session", 102, "Failed password for root from 192.0.2.1 port 4242 ssh2", kT0 + 2);
    w.Write("kernel", 0, "[UFW BLOCK] IN=eth0 SRC=192.0.2.1", kT0 + 3);
    w.Write("sshd-auth", 103, "auth child", kT0 + 4);
    w.Write("systemd", 1, "Stopping ssh.service - OpenBSD Secure Shell server...", kT0 + 5,
            "ssh.service");
  }
  Seen seen;
  const auto stats = ScanJournalDirectory(dir.path(), seen.Handler());
  REQUIRE(stats);
  CHECK(stats->entries == 4);
  CHECK(seen.messages == std::vector<std::string>{
                             "Server listening on 0.0.0.0 port 22.",
                             "Failed password for root from 192.0.2.1 port 4242 ssh2", "auth child",
                             "Stopping ssh.service - OpenBSD Secure Shell server..."});
  CHECK(seen.programs[1] == "sshd-session");
  CHECK(seen.pids[1] == 102);
  CHECK(seen.times[1] == sshd_health::TimePoint(std::chrono::microseconds(kT0 + 2)));
  CHECK_THAT(seen.lines[1],
             Catch::EndsWith(" testhost sshd-session[102]: Failed password for root from "
                             "192.0.2.1 port 4242 ssh2"));
}

TEST_CASE("journal scan names the directory when it is missing or holds no journal files",
          "[sources][journal]") {
  TempDir dir;
  Seen seen;
  const auto missing = ScanJournalDirectory(dir.path() + "/nope", seen.Handler());
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message, Catch::Contains(dir.path() + "/nope"));
  const auto empty = ScanJournalDirectory(dir.path(), seen.Handler());
  REQUIRE_FALSE(empty);
  CHECK_THAT(empty.error().message, Catch::Contains("no journal files"));
  CHECK(seen.messages.empty());
}

TEST_CASE("scan --journal-directory runs the journal's sshd entries through the parser",
          "[sources][journal][e2e]") {
  TempDir dir;
  {
    test::JournalWriter w(dir.path());
    w.Write("sshd", 200, "Invalid user a\\033[2Jb from 198.51.100.7 port 50022", kT0);
    w.Write("CRON", 201, "Invalid user notsshd from 198.51.100.8 port 1", kT0 + 1);
  }
  const auto scan = test::RunCommand({SSHD_HEALTH_BINARY, "scan", "--events", "--format", "json",
                                      "--journal-directory", dir.path()});
  CHECK(scan.exit_code == 0);
  std::vector<nlohmann::json> events;
  std::istringstream out(scan.out);
  for (std::string line; std::getline(out, line);) events.push_back(nlohmann::json::parse(line));
  REQUIRE(events.size() == 1);
  CHECK(events[0]["kind"] == "invalid_user");
  CHECK(events[0]["ip"] == "198.51.100.7");
  CHECK(events[0]["port"] == 50022);
  CHECK(events[0]["pid"] == 200);
}
