// Issue 18, faults in the daemon's state directory: full (ENOSPC on a 64 KiB tmpfs the
// test mounts), and position or spool files that are corrupt or torn at start. The
// daemon must keep reading and alerting, say once that it cannot save, save again once
// it can, and set a file it cannot read aside instead of failing.
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "faults_fixture.h"
#include "receivers.h"

using faults::FailureFrom;
using faults::Setup;
using faults::SyslogLine;
using test::AppendFile;
using test::WaitFor;
using namespace std::chrono_literals;

namespace {

// A tmpfs of `size` at `dir`, unmounted when the test ends.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, const char* size) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    const std::string opts = std::string("size=") + size + ",mode=0750";
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

  /// Fills it to the last byte (ENOSPC) with one file.
  void Fill() {
    const int fd = ::open(filler().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const std::string block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    REQUIRE(errno == ENOSPC);
    while (::write(fd, block.data(), 1) > 0) {
    }
    ::close(fd);
  }
  void Free() { std::filesystem::remove(filler()); }

 private:
  std::string filler() const { return dir_ + "/filler"; }
  std::string dir_;
  bool mounted_ = false;
};

void Fail(const Setup& s, int from, int to) {
  std::string chunk;
  for (int i = from; i < to; ++i) chunk += SyslogLine(FailureFrom(i)) + "\n";
  AppendFile(s.log, chunk);
}

bool AlertedAll(const Setup& s, int from, int to) {
  return WaitFor(
      [&] {
        for (int i = from; i < to; ++i) {
          if (s.AlertsFor(i) == 0) return false;
        }
        return true;
      },
      15s);
}

}  // namespace

TEST_CASE("a full state directory: alerts go on, it is said once, saving resumes with space",
          "[faults][state]") {
  Setup s;
  SmallTmpfs fs(s.state, "64k");
  if (!fs.mounted()) {
    WARN("skipped: cannot mount a tmpfs (needs root)");
    return;
  }
  test::WriteFile(s.log, "");
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  Fail(s, 0, 5);
  REQUIRE(AlertedAll(s, 0, 5));
  REQUIRE(WaitFor([&] { return s.CaughtUp(s.log); }, 10s));
  const auto saved_before = s.SavedPosition(s.log);

  fs.Fill();
  // Several batches, each of which would save its position.
  for (int batch = 0; batch < 5; ++batch) {
    Fail(s, 5 + batch * 5, 10 + batch * 5);
    INFO(s.daemon.Err());
    REQUIRE(AlertedAll(s, 5 + batch * 5, 10 + batch * 5));  // detection and alerting go on
  }
  // The alerts can come before the save that fails (positions are saved after the
  // batch is handled): wait for the warning rather than look once.
  const bool said =
      WaitFor([&] { return s.Count("cannot save positions in " + s.state) == 1; }, 10s);
  INFO(s.daemon.Err());
  CHECK(said);
  CHECK(s.Count("No space left on device") >= 1);
  CHECK(s.SavedPosition(s.log) == saved_before);  // the old record is whole, not torn

  fs.Free();
  Fail(s, 30, 35);
  REQUIRE(AlertedAll(s, 30, 35));
  REQUIRE(WaitFor([&] { return s.CaughtUp(s.log); }, 10s));
  CHECK(s.Count("saving positions in " + s.state + " again") == 1);
  CHECK(s.Count("cannot save positions in ") == 1);
  // The spool's failure is said once too, and its recovery once: an emptied spool (after
  // each delivery) used to count as "written again" and the next alert said it again.
  CHECK(s.Count("cannot write its spool") == 1);
  CHECK(s.Count("spool written again") == 1);
  REQUIRE(s.daemon.Stop() == 0);
  // Nothing read twice, nothing alerted twice.
  for (int i = 0; i < 35; ++i) CHECK(s.AlertsFor(i) == 1);
}

TEST_CASE("a corrupt or torn position file at start is reported, set aside, and not fatal",
          "[faults][state]") {
  Setup s;
  std::filesystem::create_directories(s.state);
  const std::string key = sshd_health::StateStore::KeyForPath("file", s.log);
  std::string content;
  SECTION("torn (a crash mid-write of an older version)") {
    content = R"({"path": "/x", "dev": 6)";
  }
  SECTION("garbage") { content = std::string("\x00\xff\x01 not json", 13); }
  SECTION("JSON, but not a position") { content = R"({"cursor": 5})"; }
  test::WriteFile(s.state + "/" + key, content);
  Fail(s, 0, 3);
  s.daemon.WriteConfig(s.Config());
  s.daemon.Start();
  INFO(s.daemon.Err());
  CHECK(s.Count("saved position unreadable; set aside as " + s.state + "/" + key + ".corrupt-") ==
        1);
  const auto aside = test::ListFiles(s.state, key + ".corrupt-", "");
  REQUIRE(aside.size() == 1);
  CHECK(test::ReadFile(aside[0]) == content);
  // Started as on a first start (start: head): the lines already there are read.
  REQUIRE(AlertedAll(s, 0, 3));
  REQUIRE(WaitFor([&] { return s.CaughtUp(s.log); }, 10s));
  REQUIRE(s.daemon.Stop() == 0);
}

TEST_CASE("a corrupt or torn spool at start is reported, its bad lines set aside, the rest sent",
          "[faults][state]") {
  Setup s;
  test::WebhookReceiver hook;
  hook.Start();
  std::filesystem::create_directories(s.state + "/spool");
  // One good alert, as an earlier run spooled it, then garbage and a line torn by a crash.
  const std::string good =
      R"({"schema":1,"id":"0123456789abcdef","rule":"test.every_failure","severity":"warning",)"
      R"("status":"firing","host":"h","summary":"failed login from 192.0.2.1","remedy":"r",)"
      R"("labels":{"ip":"192.0.2.1"},"count":1,"first_seen":"2026-12-01T10:00:00Z",)"
      R"("last_seen":"2026-12-01T10:00:00Z","evidence":[]})";
  const std::string bad = "\x01garbage not json\n{\"schema\":1,\"id\":\"ab";
  test::WriteFile(s.state + "/spool/hook.jsonl", good + "\n" + bad);
  test::WriteFile(s.log, "");
  s.daemon.WriteConfig(
      s.Config("    - { name: hook, type: webhook, url: \"" + hook.url() + "\" }\n"));
  s.daemon.Start();
  INFO(s.daemon.Err());
  const auto sent = hook.WaitFor("test.every_failure");
  REQUIRE(!sent.is_null());
  CHECK(sent["labels"].value("ip", "") == "192.0.2.1");
  CHECK(s.Count("notifier hook: skipped 2 unreadable record(s)") == 1);
  const auto aside = test::ListFiles(s.state + "/spool", "hook.jsonl.corrupt-", "");
  REQUIRE(aside.size() == 1);
  CHECK(test::ReadFile(aside[0]) == bad + "\n");
  // The daemon goes on detecting.
  Fail(s, 0, 1);
  CHECK(!hook.WaitFor("test.every_failure", "firing", 15s).is_null());
  REQUIRE(WaitFor([&] { return hook.Find("test.every_failure").size() == 2; }, 15s));
  REQUIRE(s.daemon.Stop() == 0);
  CHECK(hook.Find("test.every_failure").size() == 2);
}
