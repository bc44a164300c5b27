// The told memory: what receivers already have, so a replay at start does not tell them
// again; kept on disk across restarts, corrupt files set aside, never fatal.
#include "notify/told_memory.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "notify_test_util.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

Alert Resolved(Alert a) {
  a.status = AlertStatus::kResolved;
  return a;
}

}  // namespace

TEST_CASE("an alert is news unless the receiver was told it, or a later one, already",
          "[notify][told]") {
  ToldMap told;
  const Alert a = test::MakeAlert("sshd.auth.brute_force", "192.0.2.7");
  CHECK_FALSE(AlreadyTold(told, a, TimePoint{}));
  RememberTold(told, a, 100);
  CHECK(AlreadyTold(told, a, TimePoint{}));  // the same firing, replayed
  Alert later = a;
  later.last_seen += 30min;
  CHECK_FALSE(AlreadyTold(told, later, TimePoint{}));        // a reminder of a longer attack
  CHECK_FALSE(AlreadyTold(told, Resolved(a), TimePoint{}));  // it resolved: news
  RememberTold(told, Resolved(a), 100);
  CHECK(AlreadyTold(told, Resolved(a), TimePoint{}));
  CHECK(AlreadyTold(told, a, TimePoint{}));            // the old episode's firing, replayed
  CHECK_FALSE(AlreadyTold(told, later, TimePoint{}));  // a new episode
}

TEST_CASE("with no memory to go by, alerts about events before the start count as told",
          "[notify][told]") {
  const ToldMap none;
  const Alert a = test::MakeAlert("sshd.auth.brute_force", "192.0.2.7");
  CHECK(AlreadyTold(none, a, a.last_seen + 1s));
  CHECK_FALSE(AlreadyTold(none, a, a.last_seen));
  CHECK_FALSE(AlreadyTold(none, Resolved(a), a.last_seen + 1s));
}

TEST_CASE("the told memory is bounded: the oldest ids are forgotten first", "[notify][told]") {
  ToldMap told;
  Alert a = test::MakeAlert("r", "x");
  for (int i = 0; i < 1000; ++i) {
    a.id = AlertId("r", std::to_string(i));
    a.last_seen += 1s;
    RememberTold(told, a, 100);
  }
  CHECK(told.size() <= 100);
  CHECK(told.count(AlertId("r", "999")) == 1);
  CHECK(told.count(AlertId("r", "0")) == 0);
}

TEST_CASE("the told log survives a restart, skips a torn line and sets a foreign file aside",
          "[notify][told]") {
  TempDir dir;
  const std::string path = dir.path() + "/spool/hook.told.jsonl";
  const Alert a = test::MakeAlert("sshd.auth.brute_force", "192.0.2.7");
  const Alert b = test::MakeAlert("sshd.auth.brute_force", "192.0.2.8");
  {
    ToldLog log(path);
    const auto loaded = log.Load();
    CHECK_FALSE(loaded.usable);  // none yet: created with its header
    CHECK(loaded.set_aside.empty());
    REQUIRE(log.Append({a, b}));
    REQUIRE(log.Append({Resolved(a)}));
  }
  SECTION("read back") {
    ToldLog log(path);
    const auto loaded = log.Load();
    CHECK(loaded.usable);
    REQUIRE(loaded.told.size() == 2);
    CHECK(loaded.told.at(a.id).status == AlertStatus::kResolved);
    CHECK(loaded.told.at(b.id).status == AlertStatus::kFiring);
    CHECK(loaded.told.at(b.id).last_seen == b.last_seen);
  }
  SECTION("a torn last line (a crash mid-append) is skipped and counted") {
    test::AppendFile(path, "{\"id\":\"00ff");
    ToldLog log(path);
    const auto loaded = log.Load();
    CHECK(loaded.usable);
    CHECK(loaded.corrupt == 1);
    CHECK(loaded.told.size() == 2);
    // Rewritten clean: the next load finds nothing to skip.
    CHECK(ToldLog(path).Load().corrupt == 0);
  }
  SECTION("a file that is not ours (another version, garbage) is set aside, not fatal") {
    test::WriteFile(path, "\x01\x02 garbage\n{\"id\":\"x\",\"t\":1}\n");
    ToldLog log(path);
    const auto loaded = log.Load();
    CHECK_FALSE(loaded.usable);
    CHECK(loaded.told.empty());
    CHECK(loaded.set_aside == path + ".bad");
    CHECK(std::filesystem::exists(path + ".bad"));
    CHECK(ToldLog(path).Load().usable);  // a fresh one in its place
  }
}
