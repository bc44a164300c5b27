// GlobSource against real directories: a central log host's layouts, one file per host
// (/var/log/hosts/*.log) and one directory per host (/var/log/remote/*/auth.log), with
// files and host directories that appear after the start, each file with its own
// position across a restart.
#include "sources/glob_source.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "core/state_store.h"
#include "source_harness.h"
#include "subprocess.h"
#include "temp_dir.h"

using sshd_health::ExpandGlob;
using sshd_health::GlobSource;
using sshd_health::IsGlobPattern;
using sshd_health::StateStore;
using test::AppendFile;
using test::RunUntil;

namespace {

bool Has(const test::Collected& c, const std::string& line) {
  return std::find(c.lines.begin(), c.lines.end(), line) != c.lines.end();
}

long CountOf(const test::Collected& c, const std::string& line) {
  return std::count(c.lines.begin(), c.lines.end(), line);
}

struct Fixture {
  TempDir dir;
  std::string root = dir.path() + "/remote";
  StateStore state{dir.path() + "/state"};
  boost::asio::io_context io;
  sshd_health::RealClock clock;
  test::Collected got;

  Fixture() {
    std::filesystem::create_directories(root);
    REQUIRE(state.Open());
  }

  std::unique_ptr<GlobSource> Start(const std::string& pattern) {
    auto source = std::make_unique<GlobSource>(io, state, pattern, false, clock);
    REQUIRE(source->Start(got.Handler(), got.Done()));
    return source;
  }
  void WaitFor(const std::string& line) {
    REQUIRE(RunUntil(io, [&] { return Has(got, line); }));
  }
};

}  // namespace

TEST_CASE("glob patterns expand to the existing files, sorted, without directories",
          "[sources][file]") {
  Fixture f;
  std::filesystem::create_directories(f.root + "/web1");
  std::filesystem::create_directories(f.root + "/web2");
  std::filesystem::create_directories(f.root + "/dir.log");  // a directory is no match
  test::WriteFile(f.root + "/web2/auth.log", "x\n");
  test::WriteFile(f.root + "/web1/auth.log", "x\n");
  test::WriteFile(f.root + "/web1/other.log", "x\n");
  test::WriteFile(f.root + "/a.log", "x\n");
  CHECK(IsGlobPattern("/var/log/remote/*/auth.log"));
  CHECK(IsGlobPattern("/var/log/host[12].log"));
  CHECK_FALSE(IsGlobPattern("/var/log/auth.log"));
  CHECK(ExpandGlob(f.root + "/*/auth.log") ==
        std::vector<std::string>{f.root + "/web1/auth.log", f.root + "/web2/auth.log"});
  CHECK(ExpandGlob(f.root + "/*.log") == std::vector<std::string>{f.root + "/a.log"});
  CHECK(ExpandGlob(f.root + "/nothing/*.log").empty());
  // No metacharacter: the path itself, existing or not (FileSource waits for it).
  CHECK(ExpandGlob("/no/such/file") == std::vector<std::string>{"/no/such/file"});
}

TEST_CASE("a glob source follows every match and files that appear later, each once",
          "[sources][file]") {
  Fixture f;
  SECTION("one file per host") {
    test::WriteFile(f.root + "/web1.log", "web1 first\n");
    auto source = f.Start(f.root + "/*.log");
    f.WaitFor("web1 first");
    // A host that starts forwarding after the daemon started: its file is created.
    test::WriteFile(f.root + "/web2.log", "web2 first\n");
    f.WaitFor("web2 first");
    AppendFile(f.root + "/web1.log", "web1 second\n");
    AppendFile(f.root + "/web2.log", "web2 second\n");
    f.WaitFor("web1 second");
    f.WaitFor("web2 second");
    test::WriteFile(f.root + "/notes.txt", "not a log\n");  // no match: never read
    test::WriteFile(f.root + "/web3.log", "web3 first\n");
    f.WaitFor("web3 first");
    CHECK_FALSE(Has(f.got, "not a log"));
    CHECK(source->Files().size() == 3);
    for (const char* l : {"web1 first", "web1 second", "web2 first", "web2 second", "web3 first"})
      CHECK(CountOf(f.got, l) == 1);
  }
  SECTION("one directory per host, the directory and its file created later") {
    auto source = f.Start(f.root + "/*/auth.log");
    std::filesystem::create_directories(f.root + "/db1");
    // rsyslog creates the directory, then the file: both must be seen.
    f.io.poll();
    test::WriteFile(f.root + "/db1/auth.log", "db1 first\n");
    f.WaitFor("db1 first");
    std::filesystem::create_directories(f.root + "/db2");
    test::WriteFile(f.root + "/db2/auth.log", "db2 first\n");
    test::WriteFile(f.root + "/db2/cron.log", "cron\n");
    f.WaitFor("db2 first");
    AppendFile(f.root + "/db1/auth.log", "db1 second\n");
    f.WaitFor("db1 second");
    CHECK_FALSE(Has(f.got, "cron"));
    CHECK(CountOf(f.got, "db1 first") == 1);
  }
  SECTION("the fixed directory missing at start is waited for") {
    const std::string later = f.dir.path() + "/later";
    auto source = f.Start(later + "/*.log");
    std::filesystem::create_directories(later);
    test::WriteFile(later + "/h.log", "late dir\n");
    f.WaitFor("late dir");
  }
}

TEST_CASE("each file matched by a glob resumes at its own saved position", "[sources][file]") {
  Fixture f;
  test::WriteFile(f.root + "/a.log", "a1\n");
  test::WriteFile(f.root + "/b.log", "b1\nb2\n");
  {
    auto source = f.Start(f.root + "/*.log");
    f.WaitFor("a1");
    f.WaitFor("b2");
    source->Stop();
  }
  AppendFile(f.root + "/a.log", "a2\n");
  AppendFile(f.root + "/b.log", "b3\n");
  f.got = {};
  auto source = f.Start(f.root + "/*.log");
  f.WaitFor("a2");
  f.WaitFor("b3");
  CHECK(f.got.lines.size() == 2);  // nothing read again
}

TEST_CASE("a glob source follows more files than one user may have inotify instances",
          "[sources][file]") {
  // fs.inotify.max_user_instances is 128 by default: the files share one instance.
  Fixture f;
  constexpr int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) test::WriteFile(f.root + "/h" + std::to_string(i) + ".log", "");
  auto source = f.Start(f.root + "/*.log");
  REQUIRE(source->Files().size() == kFiles);
  for (int i = 0; i < kFiles; ++i)
    AppendFile(f.root + "/h" + std::to_string(i) + ".log", "line of h" + std::to_string(i) + "\n");
  REQUIRE(RunUntil(f.io, [&] { return f.got.lines.size() >= kFiles; }));
  for (int i = 0; i < kFiles; ++i) CHECK(CountOf(f.got, "line of h" + std::to_string(i)) == 1);
}

TEST_CASE("a file of a glob survives rename-and-create rotation beside its neighbours",
          "[sources][file]") {
  Fixture f;
  test::WriteFile(f.root + "/a.log", "");
  test::WriteFile(f.root + "/b.log", "");
  auto source = f.Start(f.root + "/*.log");
  AppendFile(f.root + "/a.log", "a before\n");
  f.WaitFor("a before");
  // logrotate: a.log -> a.log.1 (no match), a new a.log; the writer finishes the old one.
  std::filesystem::rename(f.root + "/a.log", f.root + "/a.log.1");
  AppendFile(f.root + "/a.log.1", "a late in the old file\n");
  test::WriteFile(f.root + "/a.log", "a in the new file\n");
  AppendFile(f.root + "/b.log", "b meanwhile\n");
  f.WaitFor("a in the new file");
  f.WaitFor("b meanwhile");
  f.WaitFor("a late in the old file");
  for (const char* l : {"a before", "a late in the old file", "a in the new file", "b meanwhile"})
    CHECK(CountOf(f.got, l) == 1);
  CHECK(source->Files().size() == 2);
}
