// Issue 18, faults in the log files the daemon follows: the real binary against files
// rotated every few milliseconds while lines are written, copytruncated, made unreadable
// and a directory that disappears and comes back. Every line carries a sequence number;
// "exactly once" is counted from the daemon's own record log. Single-source cases of
// the same (one rotation, truncation, deletion) are tests/sources/file_source_test.cpp's.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "faults_fixture.h"

using faults::Seq;
using faults::Setup;
using test::AppendFile;
using test::WaitFor;
using namespace std::chrono_literals;

namespace {

// Appends lines numbered [from, to) to `path`; returns `to`.
int Write(const std::string& path, int from, int to) {
  std::string chunk;
  for (int i = from; i < to; ++i) chunk += Seq(i) + "\n";
  AppendFile(path, chunk);
  return to;
}

// Waits for the sentinel line, then checks every number below `n` was read exactly once.
void CheckExactlyOnce(const Setup& s, int n) {
  AppendFile(s.log, "END\n");
  INFO(s.daemon.Err().substr(0, 20000));
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount("END") == 1; }, 20s));
  const auto records = s.daemon.Records();
  faults::CheckEachReadOnce(n, [&](int i) {
    const auto it = records.find(Seq(i));
    return it == records.end() ? 0 : it->second;
  });
}

}  // namespace

TEST_CASE("lines written while the log is rotated every few ms are each read exactly once",
          "[faults][file]") {
  Setup s;
  test::WriteFile(s.log, "");
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  int n = 0;
  const auto started = std::chrono::steady_clock::now();
  int rotations = 0;

  SECTION("rename and create (logrotate's default), the writer finishing the old file") {
    for (int round = 0; round < 60; ++round) {
      n = Write(s.log, n, n + 20);
      // A file renamed away before it was ever opened cannot be followed by name (the
      // same limit as tail -F): rotate as soon as the daemon has the file, not later.
      REQUIRE(WaitFor([&] { return s.Following(s.log); }, 10s, 1ms));
      const std::string rotated = s.log + "." + std::to_string(round);
      std::filesystem::rename(s.log, rotated);
      n = Write(rotated, n, n + 3);  // the writer has not reopened yet
      test::WriteFile(s.log, "");
      n = Write(s.log, n, n + 2);
      ++rotations;
    }
  }
  SECTION("copytruncate") {
    for (int round = 0; round < 60; ++round) {
      n = Write(s.log, n, n + 20);
      // copytruncate loses what the reader had not read before the truncation (it is only
      // in the copy): logrotate documents that window. Truncate once the daemon has read
      // the last line (not by its saved offset: after a truncation the file may have the
      // old size again).
      REQUIRE(WaitFor([&] { return s.daemon.RecordCount(Seq(n - 1)) == 1; }, 10s, 1ms));
      std::filesystem::copy_file(s.log, s.log + "." + std::to_string(round));
      REQUIRE(::truncate(s.log.c_str(), 0) == 0);
      n = Write(s.log, n, n + 2);
      ++rotations;
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  WARN(rotations << " rotations in " << ms << " ms, " << n << " lines");
  CheckExactlyOnce(s, n);
  CHECK(s.daemon.Running());
}

namespace {

// The daemon as user nobody (root reads every file whatever its mode): its directory
// and state must be nobody's to use.
void RunAsNobody(Setup& s) {
  REQUIRE(::chmod(s.dir.path().c_str(), 0755) == 0);
  std::filesystem::create_directories(s.state);
  const std::string own = "nobody:nogroup";
  REQUIRE(test::RunCommand({"chown", "-R", own, s.state, s.rules}).exit_code == 0);
  s.daemon.SetWrapper({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"});
  // The notify socket is root's: nobody must be able to send to it.
  REQUIRE(::chmod(s.daemon.notify().path().c_str(), 0666) == 0);
}

}  // namespace

TEST_CASE("an unreadable log is said once and read from its start once it is readable",
          "[faults][file]") {
  if (::geteuid() != 0) {
    WARN("skipped: needs root to run the daemon as nobody");
    return;
  }
  Setup s;
  RunAsNobody(s);
  int n = Write(s.log, 0, 5);
  REQUIRE(::chmod(s.log.c_str(), 0600) == 0);  // root's, unreadable to nobody
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  INFO(s.daemon.Err().substr(0, 20000));
  REQUIRE(WaitFor([&] { return s.Count("cannot open: Permission denied") == 1; }, 10s));
  for (int i = 0; i < 5; ++i) {
    n = Write(s.log, n, n + 1);
    REQUIRE(::chmod(s.log.c_str(), 0600) == 0);  // a change of mode wakes the daemon too
  }
  CHECK(s.daemon.RecordCount(Seq(0)) == 0);
  REQUIRE(::chmod(s.log.c_str(), 0644) == 0);
  REQUIRE(WaitFor([&] { return s.Count("can be opened again") == 1; }, 10s));
  REQUIRE(WaitFor([&] { return s.daemon.RecordCount(Seq(n - 1)) == 1; }, 10s));

  SECTION("rotated to a new file that is unreadable: said again, then read") {
    std::filesystem::rename(s.log, s.log + ".1");
    // Created unreadable in one step, as logrotate's `create 0600` does: a file created
    // 0644 and chmod-ed after can be opened by the daemon in between (seen on a loaded
    // machine), and then there is rightly nothing to say.
    const int fd = ::open(s.log.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    ::close(fd);
    n = Write(s.log, n, n + 5);
    const bool said = WaitFor([&] { return s.Count("cannot open: Permission denied") == 2; }, 10s);
    if (!said) FAIL("the new file's refusal was not said; the daemon's log:\n" << s.daemon.Err());
    REQUIRE(::chmod(s.log.c_str(), 0644) == 0);
  }
  CheckExactlyOnce(s, n);
  CHECK(s.Count("cannot open: Permission denied") <= 2);
}

TEST_CASE("a log directory that disappears and comes back is followed again", "[faults][file]") {
  Setup s;
  int n = 0;
  // On a miss, the daemon's log of that moment (an INFO taken earlier shows only its start).
  const auto expect = [&](const char* what, auto condition) {
    if (!WaitFor(condition, 10s)) FAIL("not seen in 10 s: " << what << "\n" << s.daemon.Err());
  };
  SECTION("missing at start") {
    std::filesystem::remove_all(s.logs);
    s.daemon.WriteConfig(s.Config());
    s.daemon.Start();
    INFO(s.daemon.Err());
    CHECK(s.Count("does not exist; waiting for it") == 1);
  }
  SECTION("removed (with its log) while followed, and re-created") {
    n = Write(s.log, n, 10);
    s.daemon.WriteConfig(s.Config());
    s.daemon.Start();
    expect("caught up", [&] { return s.CaughtUp(s.log); });
    n = Write(s.log, n, n + 10);  // perhaps not read yet: the open file still has them
    std::filesystem::remove_all(s.logs);
    expect("is gone", [&] { return s.Count("is gone; waiting for it to come back") == 1; });
  }
  SECTION("renamed away while followed, and re-created") {
    n = Write(s.log, n, 10);
    s.daemon.WriteConfig(s.Config());
    s.daemon.Start();
    expect("caught up", [&] { return s.CaughtUp(s.log); });
    std::filesystem::rename(s.logs, s.logs + ".old");
    n = Write(s.logs + ".old/auth.log", n, n + 10);  // the writer still has it open
    expect("is gone", [&] { return s.Count("is gone; waiting for it to come back") == 1; });
  }
  std::filesystem::create_directories(s.logs);
  n = Write(s.log, n, n + 10);
  expect("is there again", [&] { return s.Count("is there again") == 1; });
  CheckExactlyOnce(s, n);
}
