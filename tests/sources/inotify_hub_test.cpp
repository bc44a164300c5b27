// InotifyHub directly: listeners sharing the kernel's one watch of a directory, the watch
// kept while any of them holds it, and a removed directory's watch dropped.
#include "sources/inotify_hub.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "run_until.h"
#include "subprocess.h"
#include "temp_dir.h"

using sshd_health::InotifyHub;
using test::RunUntil;

namespace {

struct Counter final : InotifyHub::Listener {
  int events = 0;
  int done = 0;
  bool ignored = false;
  void OnInotify(const inotify_event& e) override {
    ++events;
    if (e.mask & IN_IGNORED) ignored = true;
  }
  void OnInotifyDone() override { ++done; }
};

}  // namespace

TEST_CASE("listeners of one directory share its watch until the last lets go", "[sources]") {
  TempDir dir;
  boost::asio::io_context io;
  InotifyHub hub(io);
  REQUIRE(hub.Open());
  Counter a, b;
  const int wa = hub.Add(dir.path(), IN_CREATE, &a);
  const int wb = hub.Add(dir.path(), IN_CREATE | IN_MOVED_TO, &b);
  REQUIRE(wa >= 0);
  CHECK(wb == wa);  // the kernel's one watch, its mask widened
  CHECK(hub.watches() == 1);
  test::WriteFile(dir.path() + "/one", "");
  REQUIRE(RunUntil(io, [&] { return a.done > 0 && b.done > 0; }));

  hub.Remove(wa, &a);  // b still holds it
  const int a_before = a.done;
  test::WriteFile(dir.path() + "/two", "");
  REQUIRE(RunUntil(io, [&] { return b.events >= 2; }));
  CHECK(a.done == a_before);
  CHECK(hub.watches() == 1);

  // The directory goes: the kernel drops the watch (IN_IGNORED), and so does the hub.
  std::filesystem::remove_all(dir.path() + "/one");
  std::filesystem::remove_all(dir.path() + "/two");
  const std::string sub = dir.path() + "/sub";
  std::filesystem::create_directories(sub);
  Counter c;
  REQUIRE(hub.Add(sub, IN_CREATE, &c) >= 0);
  CHECK(hub.watches() == 2);
  std::filesystem::remove(sub);
  REQUIRE(RunUntil(io, [&] { return c.ignored; }));
  CHECK(hub.watches() == 1);
  hub.Forget(&b);
  CHECK(hub.watches() == 0);
}
