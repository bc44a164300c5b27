// Issue 18, faults in the journal the daemon reads (sources.journal.directory): files
// rotated and vacuumed while it reads, and a file with bytes flipped. Journal files are
// real ones, written by systemd-journal-remote (journal_writer.h); every entry carries a
// sequence number, counted in the daemon's record log.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>

#include "faults_fixture.h"
#include "journal_writer.h"

using faults::Seq;
using faults::Setup;
using test::WaitFor;
using namespace std::chrono_literals;

namespace {

// How often each entry was read, by its number: a journal record reads as journalctl's
// short line ("Dec  1 10:00:00 testhost sshd[100]: seq 000042 ...").
std::map<int, int> ReadCounts(const Setup& s) {
  std::map<int, int> out;
  for (const auto& [line, count] : s.daemon.Records()) {
    const auto at = line.find(": seq ");
    if (at != std::string::npos) out[std::stoi(line.substr(at + 6, 6))] += count;
  }
  return out;
}
int Records(const std::map<int, int>& counts, int n) {
  const auto it = counts.find(n);
  return it == counts.end() ? 0 : it->second;
}
int Records(const Setup& s, int n) { return Records(ReadCounts(s), n); }

// Entries 0..n-1 each read exactly once.
void CheckEachOnce(const Setup& s, int n) {
  const auto counts = ReadCounts(s);
  faults::CheckEachReadOnce(n, [&](int i) { return Records(counts, i); });
}

}  // namespace

TEST_CASE("journal files rotated and vacuumed while read: every entry read once",
          "[faults][journal]") {
  Setup s;
  std::filesystem::create_directories(s.journal_dir);
  s.daemon.WriteConfig(s.Config("", /*journal=*/true));
  s.daemon.Start();
  int n = 0;
  std::uint64_t monotonic = 0;
  std::vector<std::string> files;
  // Each file is written beside the directory and renamed into it whole. Written in
  // place, one fresh-clone run of eight missed a file: the reader (libsystemd 252's
  // sd_journal) can try a file journal-remote has created but not yet given its header,
  // and does not look at it again when the rest is written through mmap. That window of
  // live writers is a known limit (README "Central log host"); this test is about
  // rotation and vacuum.
  const std::string staging = s.journal_dir + ".staging";
  std::filesystem::create_directories(staging);
  for (int round = 0; round < 8; ++round) {
    // journald's rotation: the active file is closed (archived) and a new one started.
    const std::string name = "rot" + std::to_string(round);
    {
      test::JournalWriter w(staging, name, monotonic);
      for (int i = 0; i < 25; ++i) w.Write("sshd", 100 + round, Seq(n++));
      monotonic = w.monotonic();
    }
    files.push_back(s.journal_dir + "/" + name + ".journal");
    std::filesystem::rename(staging + "/" + name + ".journal", files.back());
    INFO(s.daemon.Err().substr(0, 20000));
    REQUIRE(WaitFor([&] { return Records(s, n - 1) == 1; }, 15s));
    // journald's vacuum: the oldest archived files deleted, while the reader has them open.
    if (files.size() > 2) {
      std::filesystem::remove(files.front());
      files.erase(files.begin());
    }
  }
  INFO(s.daemon.Err().substr(0, 20000));
  CheckEachOnce(s, n);
  CHECK(s.Count("could not be read on") == 0);  // a vacuumed file is not a corrupt one
  REQUIRE(s.daemon.Stop() == 0);
}

// journal-remote creates a machine's remote-HOST.journal in the directory and fills it
// through a shared mapping, so after the file's first inotify events nothing more may
// come. A reader that looks at the file in between (it has a size, but not yet a header)
// fails to open it; libsystemd 252's sd_journal does not look again, and on its own
// never reads the entries (this test fails without the daemon's look at the directory,
// JournalSource::LookForMissedFiles, which reads the file's sequence on its own). The window is
// made certain here: the file is created at its full size, zero-filled, and the daemon is shown to
// have processed its events (it read a later entry of another file) before the bytes arrive,
// through a mapping, as journal-remote's do. Its entries lie on both sides of what was read.
TEST_CASE("a journal-remote file filled in place after the reader first saw it is read whole",
          "[faults][journal]") {
  Setup s;
  std::filesystem::create_directories(s.journal_dir);
  const std::string staging = s.journal_dir + ".staging";
  std::filesystem::create_directories(staging);
  const std::uint64_t now = test::JournalWriter::NowUsec();
  s.daemon.WriteConfig(s.Config("", /*journal=*/true));
  test::JournalWriter alpha(s.journal_dir, "remote-alpha");
  alpha.SetMachine("alpha", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  for (int i = 0; i < 10; ++i) alpha.Write("sshd", 100, Seq(i), now - 60'000'000 + i);
  s.daemon.Start();
  INFO(s.daemon.Err().substr(0, 20000));
  REQUIRE(WaitFor([&] { return Records(s, 9) == 1; }, 15s));
  // beta's file, complete, beside the directory: entries 10..29, half of them older than
  // what the daemon reads next in alpha's file, half newer.
  {
    test::JournalWriter beta(staging, "remote-beta");
    beta.SetMachine("beta", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    for (int i = 10; i < 30; ++i)
      beta.Write("sshd", 200, Seq(i), i < 20 ? now - 30'000'000 + i : now + 30'000'000 + i);
  }
  const std::string bytes = test::ReadFile(staging + "/remote-beta.journal");
  REQUIRE(bytes.size() > 4096);
  const std::string target = s.journal_dir + "/remote-beta.journal";
  const int fd = ::open(target.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes.size())) == 0);
  // The daemon has taken in the new file's events once it reads an entry written after.
  alpha.Write("sshd", 100, Seq(30), now);
  REQUIRE(WaitFor([&] { return Records(s, 30) == 1; }, 15s));
  void* map = ::mmap(nullptr, bytes.size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(map != MAP_FAILED);
  std::memcpy(map, bytes.data(), bytes.size());
  ::munmap(map, bytes.size());
  ::close(fd);
  alpha.Write("sshd", 100, Seq(31), now + 1);
  REQUIRE(WaitFor([&] { return Records(s, 31) == 1; }, 15s));
  CHECK(WaitFor([&] { return Records(s, 29) == 1; }, 15s));
  CheckEachOnce(s, 32);
  // And the daemon goes on reading after the re-open (late entries: the test below).
  alpha.Write("sshd", 100, Seq(32), now + 60'000'000);
  const bool went_on = WaitFor([&] { return Records(s, 32) == 1; }, 15s);
  INFO(s.daemon.Err().substr(0, 20000));
  REQUIRE(went_on);
  REQUIRE(s.daemon.Stop() == 0);
}

// Machines' files written in place by live journal-remote writers, a new one every round
// while the daemon reads (the central host's shape): every entry read once.
TEST_CASE("journal-remote files written in place while read: every entry read once",
          "[faults][journal]") {
  Setup s;
  std::filesystem::create_directories(s.journal_dir);
  s.daemon.WriteConfig(s.Config("", /*journal=*/true));
  s.daemon.Start();
  INFO(s.daemon.Err().substr(0, 20000));
  int n = 0;
  for (int round = 0; round < 8; ++round) {
    test::JournalWriter w(s.journal_dir, "remote-host" + std::to_string(round));
    w.SetMachine("host" + std::to_string(round),
                 std::string(31, 'c') + static_cast<char>('0' + round));
    for (int i = 0; i < 25; ++i) w.Write("sshd", 300 + round, Seq(n++));
    REQUIRE(WaitFor([&] { return Records(s, n - 1) == 1; }, 15s));
  }
  CheckEachOnce(s, n);
  REQUIRE(s.daemon.Stop() == 0);
}

TEST_CASE("a journal file with bytes flipped is skipped with a warning - reading goes on",
          "[faults][journal]") {
  Setup s;
  std::filesystem::create_directories(s.journal_dir);
  std::uint64_t monotonic = 0;
  int n = 0;
  const auto write_file = [&](const std::string& name) {
    test::JournalWriter w(s.journal_dir, name, monotonic);
    for (int i = 0; i < 40; ++i) w.Write("sshd", 200, Seq(n++) + " " + std::string(60, 'p'));
    monotonic = w.monotonic();
  };
  write_file("a");  // entries 0..39: good
  write_file("b");  // entries 40..79: corrupted below
  const std::string b = s.journal_dir + "/b.journal";
  {
    // Flip every byte of a stretch from just before the entry 50's data object on: object
    // headers, payloads and the entry objects after them alike (a journal file's unused
    // space is zeros, where flipped bytes would change nothing).
    const std::string bytes = test::ReadFile(b);
    const auto found = bytes.find("MESSAGE=" + Seq(50));
    REQUIRE(found != std::string::npos);
    const off_t at = static_cast<off_t>(found) - 48;
    std::string buf = bytes.substr(static_cast<std::size_t>(at), 2048);
    for (char& c : buf) c = static_cast<char>(~c);
    const int fd = ::open(b.c_str(), O_RDWR | O_CLOEXEC);
    REQUIRE(fd >= 0);
    REQUIRE(::pwrite(fd, buf.data(), buf.size(), at) == static_cast<ssize_t>(buf.size()));
    ::close(fd);
  }
  write_file("c");  // entries 80..119: good
  s.daemon.WriteConfig(s.Config("", /*journal=*/true));
  s.daemon.Start();
  INFO(s.daemon.Err().substr(0, 3000));
  // The good files are read whole.
  REQUIRE(WaitFor([&] { return Records(s, 119) == 1; }, 15s));
  const auto records = ReadCounts(s);
  int wrong = 0, from_b = 0;
  for (int i = 0; i < 40; ++i) wrong += Records(records, i) != 1;
  for (int i = 80; i < 120; ++i) wrong += Records(records, i) != 1;
  CHECK(wrong == 0);
  // What the corrupt file still yields is read at most once.
  for (int i = 40; i < 80; ++i) {
    CHECK(Records(records, i) <= 1);
    from_b += Records(records, i);
  }
  WARN("entries read from the corrupted file: " << from_b << " of 40");
  CHECK(s.Count("journal file " + b + " could not be read on (corrupt?) and is skipped") == 1);
  // And new entries keep coming.
  write_file("d");
  REQUIRE(WaitFor([&] { return Records(s, n - 1) == 1; }, 15s));
  CHECK(s.daemon.Running());
  REQUIRE(s.daemon.Stop() == 0);
}

// A central host's late upload: systemd-journal-upload batches and delays, so beta's entry
// stamped T-10s can reach the directory after alpha's entry stamped T was read.
// sd_journal's merge sorts it before its position and never returns it; the daemon reads
// each machine's sequence on its own (JournalSource's per-sequence positions), so it is
// reported, once - also when the late entry arrives while the daemon is stopped.
TEST_CASE("a machine's entry uploaded after a newer one of another machine was read is reported",
          "[faults][journal]") {
  Setup s;
  std::filesystem::create_directories(s.journal_dir);
  const std::uint64_t t = test::JournalWriter::NowUsec();
  test::JournalWriter alpha(s.journal_dir, "remote-alpha");
  alpha.SetMachine("alpha", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  test::JournalWriter beta(s.journal_dir, "remote-beta");
  beta.SetMachine("beta", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  // Both files exist, with an entry, before the daemon looks (sd_journal has them open).
  beta.Write("sshd", 200, Seq(0), t - 60'000'000);
  alpha.Write("sshd", 100, Seq(1), t - 50'000'000);
  s.daemon.WriteConfig(s.Config("", /*journal=*/true));
  s.daemon.Start();
  INFO(s.daemon.Err().substr(0, 20000));
  REQUIRE(WaitFor([&] { return Records(s, 0) == 1 && Records(s, 1) == 1; }, 15s));
  alpha.Write("sshd", 100, Seq(2), t);
  REQUIRE(WaitFor([&] { return Records(s, 2) == 1; }, 15s));
  beta.Write("sshd", 200, Seq(3), t - 10'000'000);  // older than what was read: late
  CHECK(WaitFor([&] { return Records(s, 3) == 1; }, 15s));
  // Stopped in the middle: alpha goes on, beta's late entries arrive while stopped and
  // after the restart.
  REQUIRE(s.daemon.Stop() == 0);
  alpha.Write("sshd", 100, Seq(4), t + 1'000'000);
  beta.Write("sshd", 200, Seq(5), t - 5'000'000);
  s.daemon.Start();
  REQUIRE(WaitFor([&] { return Records(s, 4) == 1; }, 15s));
  CHECK(WaitFor([&] { return Records(s, 5) == 1; }, 15s));
  alpha.Write("sshd", 100, Seq(6), t + 2'000'000);
  REQUIRE(WaitFor([&] { return Records(s, 6) == 1; }, 15s));
  beta.Write("sshd", 200, Seq(7), t - 1'000'000);
  CHECK(WaitFor([&] { return Records(s, 7) == 1; }, 15s));
  CheckEachOnce(s, 8);
  REQUIRE(s.daemon.Stop() == 0);
}
