// FileSource against real files in a temporary directory: every rotation style, with
// lines written before, during and after, must hand on each line exactly once. "Exactly
// once" is checked by writing a last sentinel line and, once it arrived, comparing the
// whole sequence (lines arrive in order, so nothing can still be on its way).
#include "sources/file_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>

#include "core/state_store.h"
#include "source_harness.h"
#include "subprocess.h"
#include "temp_dir.h"

using sshd_health::FileSource;
using sshd_health::StateStore;
using test::AppendFile;
using test::RunUntil;

namespace {

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::vector<std::string> Concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

bool Has(const test::Collected& c, const std::string& line) {
  return std::find(c.lines.begin(), c.lines.end(), line) != c.lines.end();
}

struct Fixture {
  TempDir dir;
  std::string log = dir.path() + "/logs/auth.log";
  StateStore state{dir.path() + "/state"};
  boost::asio::io_context io;
  sshd_health::RealClock clock;
  test::Collected got;

  Fixture() {
    std::filesystem::create_directories(dir.path() + "/logs");
    REQUIRE(state.Open());
  }

  std::unique_ptr<FileSource> Start(bool start_at_end = false) {
    auto source = std::make_unique<FileSource>(io, state, log, start_at_end, clock);
    REQUIRE(source->Start(got.Handler(), got.Done()));
    return source;
  }

  // Appends a sentinel and waits for it; then every earlier line has been handed on.
  void Sync(const std::string& sentinel = "END") {
    AppendFile(log, sentinel + "\n");
    REQUIRE(RunUntil(io, [&] { return Has(got, sentinel); }));
  }
};

}  // namespace

TEST_CASE("file source reads appended lines once each, in order", "[sources][file]") {
  Fixture f;
  test::WriteFile(f.log, Lines(test::Numbered("before", 1, 3)));
  SECTION("start at the beginning (head) reads what is there") {
    auto source = f.Start(false);
    AppendFile(f.log, Lines(test::Numbered("after", 1, 3)));
    f.Sync();
    CHECK(f.got.lines ==
          Concat({test::Numbered("before", 1, 3), test::Numbered("after", 1, 3), {"END"}}));
  }
  SECTION("start at the end (tail) skips what is there") {
    auto source = f.Start(true);
    AppendFile(f.log, Lines(test::Numbered("after", 1, 3)));
    f.Sync();
    CHECK(f.got.lines == Concat({test::Numbered("after", 1, 3), {"END"}}));
  }
}

TEST_CASE("file source follows rename-and-create rotation, finishing the old file",
          "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  AppendFile(f.log, Lines(test::Numbered("a", 1, 3)));
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "a3"); }));
  // logrotate: rename; the writer keeps writing to the old file until it reopens.
  std::filesystem::rename(f.log, f.log + ".1");
  AppendFile(f.log + ".1", Lines(test::Numbered("a", 4, 5)));
  test::WriteFile(f.log, "");  // create
  AppendFile(f.log + ".1", Lines({"a6"}));
  AppendFile(f.log, Lines(test::Numbered("b", 1, 3)));  // the writer has switched
  f.Sync();
  CHECK(f.got.lines == Concat({test::Numbered("a", 1, 6), test::Numbered("b", 1, 3), {"END"}}));
}

TEST_CASE("file source starts again at 0 after copytruncate", "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  AppendFile(f.log, Lines(test::Numbered("a", 1, 5)));
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "a5"); }));
  // logrotate copytruncate: copy, then truncate in place.
  std::filesystem::copy_file(f.log, f.log + ".1");
  REQUIRE(::truncate(f.log.c_str(), 0) == 0);
  // Shorter than what was read: seen as a truncation even if the source only looks after
  // the next write.
  AppendFile(f.log, Lines(test::Numbered("b", 1, 2)));
  f.Sync();
  CHECK(f.got.lines == Concat({test::Numbered("a", 1, 5), test::Numbered("b", 1, 2), {"END"}}));
}

TEST_CASE("file source survives deletion and re-creation", "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  AppendFile(f.log, Lines(test::Numbered("a", 1, 3)));
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "a3"); }));
  std::filesystem::remove(f.log);
  AppendFile(f.log, Lines(test::Numbered("b", 1, 3)));
  f.Sync();
  CHECK(f.got.lines == Concat({test::Numbered("a", 1, 3), test::Numbered("b", 1, 3), {"END"}}));
}

TEST_CASE("file source says how far it has read: inode, offset, last line's time",
          "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  CHECK_FALSE(source->Position().open);  // missing: waited for
  CHECK(source->Stats().last_record == sshd_health::TimePoint{});
  const std::string line = "2026-11-21T16:31:02.123456+00:00 host sshd[1]: hello";
  AppendFile(f.log, "first\n");
  f.Sync(line);
  const auto pos = source->Position();
  struct stat st {};
  REQUIRE(::stat(f.log.c_str(), &st) == 0);
  CHECK(pos.kind == "file");
  CHECK(pos.path == f.log);
  CHECK(pos.open);
  CHECK(pos.inode == static_cast<std::uint64_t>(st.st_ino));
  // After the last complete line: all of the file.
  CHECK(pos.offset == static_cast<std::int64_t>(st.st_size));
  CHECK(source->Stats().last_record == sshd_health::TimePoint(std::chrono::seconds(1'795'278'662)) +
                                           std::chrono::microseconds(123456));
}

TEST_CASE("file source waits for a file missing at start", "[sources][file]") {
  Fixture f;
  auto source = f.Start(true);  // even with tail: a file that appears later is read whole
  AppendFile(f.log, Lines(test::Numbered("a", 1, 3)));
  f.Sync();
  CHECK(f.got.lines == Concat({test::Numbered("a", 1, 3), {"END"}}));
}

TEST_CASE("file source holds a partial last line until its newline", "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  AppendFile(f.log, "first\nhalf a li");
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "first"); }));
  AppendFile(f.log, "ne\n");
  f.Sync();
  CHECK(f.got.lines == std::vector<std::string>{"first", "half a line", "END"});
}

TEST_CASE("file source cuts an over-long line and keeps going", "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  const std::string huge(sshd_health::kMaxRecordLine * 3, 'x');
  AppendFile(f.log, "before\n" + huge + "\nafter\n");
  f.Sync();
  REQUIRE(f.got.lines.size() == 4);
  CHECK(f.got.lines[0] == "before");
  CHECK(f.got.lines[1] == std::string(sshd_health::kMaxRecordLine, 'x'));
  CHECK(f.got.lines[2] == "after");
  CHECK(source->Stats().truncated == 1);
}

TEST_CASE("file source resumes after a restart exactly where it stopped", "[sources][file]") {
  Fixture f;
  {
    auto source = f.Start(false);
    AppendFile(f.log, Lines(test::Numbered("a", 1, 3)) + "partial");
    REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "a3"); }));
    source->Stop();
  }
  SECTION("same file: continue after the last complete line") {
    AppendFile(f.log, " line\n" + Lines(test::Numbered("b", 1, 2)));
    auto source = f.Start(true);  // a saved position wins over start: tail
    f.Sync();
    CHECK(
        f.got.lines ==
        Concat({test::Numbered("a", 1, 3), {"partial line"}, test::Numbered("b", 1, 2), {"END"}}));
  }
  SECTION("rotated while stopped: finish the rotated file, then the new one from 0") {
    AppendFile(f.log, " line\n");
    std::filesystem::rename(f.log, f.log + ".1");
    AppendFile(f.log, Lines(test::Numbered("b", 1, 2)));
    auto source = f.Start(true);
    f.Sync();
    CHECK(
        f.got.lines ==
        Concat({test::Numbered("a", 1, 3), {"partial line"}, test::Numbered("b", 1, 2), {"END"}}));
  }
  SECTION("replaced while stopped: the new file from 0") {
    std::filesystem::remove(f.log);
    AppendFile(f.log, Lines(test::Numbered("b", 1, 2)));
    auto source = f.Start(true);
    f.Sync();
    CHECK(f.got.lines == Concat({test::Numbered("a", 1, 3), test::Numbered("b", 1, 2), {"END"}}));
  }
}

TEST_CASE("file source rotation under a steady stream loses and repeats nothing",
          "[sources][file]") {
  Fixture f;
  auto source = f.Start(false);
  std::vector<std::string> expected;
  int n = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 50; ++i) {
      const std::string line = "line" + std::to_string(n++);
      AppendFile(f.log, line + "\n");
      expected.push_back(line);
    }
    // A file renamed away before it was ever opened cannot be followed by name (tail -F
    // has the same limit); make sure this round's file is open, not that it was read.
    REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "line" + std::to_string(n - 50)); }));
    std::filesystem::rename(f.log, f.log + ".1");  // most lines are not read yet
    for (int i = 0; i < 5; ++i) {
      const std::string line = "late" + std::to_string(n++);
      AppendFile(f.log + ".1", line + "\n");
      expected.push_back(line);
    }
    test::WriteFile(f.log, "");
    REQUIRE(RunUntil(f.io, [&] { return f.got.lines.size() == expected.size(); }));
  }
  f.Sync();
  expected.push_back("END");
  CHECK(f.got.lines == expected);
}

namespace {

// `t` as a classic syslog line, in local time as syslog writes it.
std::string ClassicLine(sshd_health::TimePoint t, const std::string& message) {
  const std::time_t secs = sshd_health::SystemClock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
  return std::string(stamp) + " host sshd[1]: " + message;
}

}  // namespace

// Regression: the source built a fresh SyslogContext with a new now() for every line, so
// the parser's hour cache (keyed on the reference time) never hit in the daemon. The
// reference is now kept while the clock stays in one hour. It only decides the year: a
// line dated more than a day after the reference is last year's, so whether the
// reference moved between two lines shows in the year of a line dated just past that.
TEST_CASE("file source keeps one timestamp reference per hour of its clock", "[sources][file]") {
  using namespace std::chrono_literals;
  Fixture f;
  // 2030-06-01T12:00:10Z
  const sshd_health::TimePoint start = sshd_health::SystemClock::from_time_t(1906545610);
  sshd_health::ManualClock clock(start);
  test::WriteFile(f.log, "");
  FileSource source(f.io, f.state, f.log, false, clock);
  REQUIRE(source.Start(f.got.Handler(), f.got.Done()));
  const sshd_health::TimePoint ahead = start + 24h + 10min;

  AppendFile(f.log, ClassicLine(start, "first") + "\n");
  REQUIRE(RunUntil(f.io, [&] { return f.got.lines.size() == 1; }));
  CHECK(f.got.times[0] == start);

  // Same hour: the reference is still `start`, and `ahead` lies more than a day past it.
  clock.Set(start + 20min);
  AppendFile(f.log, ClassicLine(ahead, "second") + "\n");
  REQUIRE(RunUntil(f.io, [&] { return f.got.lines.size() == 2; }));
  CHECK(f.got.times[1] < start);  // resolved into 2029

  // The next hour: the reference moves on, and the same line is this year's.
  clock.Set(start + 1h);
  AppendFile(f.log, ClassicLine(ahead, "third") + "\n");
  REQUIRE(RunUntil(f.io, [&] { return f.got.lines.size() == 3; }));
  CHECK(f.got.times[2] == ahead);
  source.Stop();
}
