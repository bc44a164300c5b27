// The status file: written atomically and root-only; read back as running only while the
// process it names is the daemon that wrote it and the file is fresh. /proc is a fake
// directory here, so each way of "not running" is made exactly.
#include "app/status_file.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "subprocess.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

TimePoint At(long seconds) { return TimePoint(std::chrono::seconds(1'796'000'000 + seconds)); }

// A /proc with one process: pid, comm (with the spaces and parentheses a comm may hold),
// start time and the binary it runs.
void FakeProcess(const std::string& proc, pid_t pid, std::uint64_t ticks, const std::string& exe,
                 const std::string& state = "S") {
  const std::string dir = proc + "/" + std::to_string(pid);
  std::filesystem::create_directories(dir);
  std::string stat = std::to_string(pid) + " (sshd-health (x)) " + state + " 1";
  for (int field = 5; field <= 21; ++field) stat += " 0";
  stat += " " + std::to_string(ticks) + " 12345 0\n";
  test::WriteFile(dir + "/stat", stat);
  std::filesystem::remove(dir + "/exe");
  std::filesystem::create_symlink(exe, dir + "/exe");
}

StatusSnapshot Snapshot(pid_t pid, std::uint64_t ticks, TimePoint written) {
  StatusSnapshot s;
  s.daemon.pid = pid;
  s.daemon.pid_start_ticks = ticks;
  s.daemon.version = "test";
  s.daemon.started = written - 1h;
  s.daemon.written = written;
  s.daemon.heartbeat = 15s;
  s.daemon.config = "/etc/sshd-health/config.yaml";
  return s;
}

}  // namespace

TEST_CASE("A process's start time is read from /proc", "[app][status]") {
  const auto self = ProcessStartTicks(::getpid());
  REQUIRE(self);
  CHECK(*self > 0);
  TempDir dir;
  FakeProcess(dir.path(), 4242, 777, "/usr/sbin/sshd-health");
  CHECK(ProcessStartTicks(4242, dir.path()) == std::optional<std::uint64_t>(777));
  CHECK_FALSE(ProcessStartTicks(4243, dir.path()));
  // A child that has exited and been reaped is gone.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  CHECK_FALSE(ProcessStartTicks(child));
}

TEST_CASE("The status file is written root-only into a directory it creates", "[app][status]") {
  TempDir dir;
  const std::string path = dir.path() + "/run/status.json";
  REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir.path() + "/run").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  // Rewritten: still one whole file, no temporary left beside it.
  REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(1))));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path() + "/run"),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("A status file is believed only while its daemon runs and writes it", "[app][status]") {
  TempDir dir;
  const std::string proc = dir.path() + "/proc";
  const std::string path = dir.path() + "/status.json";
  FakeProcess(proc, 4242, 777, "/usr/sbin/sshd-health");

  SECTION("no file") {
    const StatusReading r = ReadStatusFile(path, At(0), proc);
    CHECK_FALSE(r.running);
    CHECK_FALSE(r.snapshot);
    CHECK(r.reason == "no status file at " + path +
                          ": the daemon is not running (or it runs with another status_file; "
                          "pass its config with -c)");
  }
  SECTION("running, fresh") {
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
    const StatusReading r = ReadStatusFile(path, At(5), proc);
    CHECK(r.running);
    CHECK(r.reason.empty());
    CHECK(r.age == 5s);
  }
  SECTION("running from a binary an upgrade replaced") {
    FakeProcess(proc, 4242, 777, "/usr/sbin/sshd-health (deleted)");
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
    CHECK(ReadStatusFile(path, At(5), proc).running);
  }
  SECTION("the daemon was killed: its pid is gone") {
    REQUIRE(WriteStatusFile(path, Snapshot(4300, 777, At(0))));
    const StatusReading r = ReadStatusFile(path, At(42), proc);
    CHECK_FALSE(r.running);
    REQUIRE(r.snapshot);  // the last known state is still there for whoever wants it
    CHECK(r.reason == "the daemon that wrote " + path +
                          " (pid 4300) is gone; it stopped without removing the file (killed "
                          "or crashed), 42s after its last update");
  }
  SECTION("the daemon was killed and its parent has not reaped it yet (a zombie)") {
    // A zombie's exe cannot be read; it must not read as "another program".
    FakeProcess(proc, 4242, 777, "/nonexistent", "Z");
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
    const StatusReading r = ReadStatusFile(path, At(2), proc);
    CHECK_FALSE(r.running);
    CHECK_THAT(r.reason, Catch::Contains("(pid 4242) is gone; it stopped without removing"));
  }
  SECTION("its pid was reused by another process") {
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 111, At(0))));
    const StatusReading r = ReadStatusFile(path, At(3), proc);
    CHECK_FALSE(r.running);
    CHECK_THAT(r.reason, Catch::Contains("that pid is another process now"));
  }
  SECTION("the pid runs another program") {
    FakeProcess(proc, 4242, 777, "/usr/bin/bash");
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
    const StatusReading r = ReadStatusFile(path, At(3), proc);
    CHECK_FALSE(r.running);
    CHECK(r.reason == "pid 4242 named in " + path + " runs /usr/bin/bash, not sshd-health");
  }
  SECTION("stale: not rewritten for four heartbeats") {
    REQUIRE(WriteStatusFile(path, Snapshot(4242, 777, At(0))));
    CHECK(ReadStatusFile(path, At(60), proc).running);
    const StatusReading r = ReadStatusFile(path, At(61), proc);
    CHECK_FALSE(r.running);
    CHECK(r.reason == path +
                          " is stale: written 61s ago, while the daemon (pid 4242) rewrites it "
                          "every 15s; its event loop is not running (stopped or hung)");
  }
  SECTION("not a status file") {
    test::WriteFile(path, "{\"schema\": 1}");
    const StatusReading r = ReadStatusFile(path, At(0), proc);
    CHECK_FALSE(r.running);
    CHECK(r.reason == path + " is not a status file this version reads: daemon: missing");
  }
}
