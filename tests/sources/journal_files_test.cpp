// ListJournalFiles against real journal files written by systemd-journal-remote: the
// header's sequence and newest entry number are what libsystemd's cursors say.
#include "sources/journal_files.h"

#include <systemd/sd-journal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "journal_writer.h"
#include "temp_dir.h"

using sshd_health::JournalFileInfo;
using sshd_health::ListJournalFiles;

namespace {

// The `s=` and `i=` of the cursor of `path`'s last entry, as sd_journal reads it.
std::pair<std::string, std::uint64_t> LastCursorFields(const std::string& path) {
  const char* paths[] = {path.c_str(), nullptr};
  sd_journal* j = nullptr;
  REQUIRE(sd_journal_open_files(&j, paths, 0) >= 0);
  REQUIRE(sd_journal_seek_tail(j) >= 0);
  REQUIRE(sd_journal_previous(j) > 0);
  char* c = nullptr;
  REQUIRE(sd_journal_get_cursor(j, &c) >= 0);
  const std::string cursor(c);
  std::free(c);
  sd_journal_close(j);
  const auto s = cursor.find("s=") + 2;
  const auto i = cursor.find(";i=") + 3;
  return {cursor.substr(s, 32),
          std::stoull(cursor.substr(i, cursor.find(';', i) - i), nullptr, 16)};
}

const JournalFileInfo* Find(const std::vector<JournalFileInfo>& files, const std::string& path) {
  const auto it = std::find_if(files.begin(), files.end(),
                               [&](const JournalFileInfo& f) { return f.path == path; });
  return it == files.end() ? nullptr : &*it;
}

}  // namespace

TEST_CASE("journal files are listed with their header's sequence and newest entry",
          "[sources][journal]") {
  TempDir dir;
  const std::string machine = dir.path() + "/0123456789abcdef0123456789abcdef";
  const std::string other = dir.path() + "/other";
  std::filesystem::create_directories(machine);
  std::filesystem::create_directories(other);
  {
    test::JournalWriter a(dir.path(), "remote-a");
    for (int i = 0; i < 3; ++i) a.Write("sshd", 1, "a" + std::to_string(i));
    test::JournalWriter b(machine, "system");
    for (int i = 0; i < 5; ++i) b.Write("cron", 2, "b" + std::to_string(i));
    test::JournalWriter c(other, "c");  // not where sd_journal_open_directory looks
    c.Write("sshd", 3, "c");
  }
  // journal-remote's file before its header is written: zeros.
  test::WriteFile(dir.path() + "/remote-new.journal", std::string(4096, '\0'));
  test::WriteFile(dir.path() + "/notes.txt", "not a journal");

  const auto files = ListJournalFiles(dir.path());
  CHECK(files.size() == 3);
  const auto* a = Find(files, dir.path() + "/remote-a.journal");
  const auto* b = Find(files, machine + "/system.journal");
  const auto* fresh = Find(files, dir.path() + "/remote-new.journal");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(fresh);
  CHECK(a->has_header);
  CHECK(std::pair(a->seqnum_id, a->tail_seqnum) == LastCursorFields(a->path));
  CHECK(a->tail_seqnum == 3);
  CHECK(b->has_header);
  CHECK(std::pair(b->seqnum_id, b->tail_seqnum) == LastCursorFields(b->path));
  CHECK(b->tail_seqnum == 5);
  CHECK(a->seqnum_id != b->seqnum_id);  // a writer each: a sequence each
  CHECK_FALSE(fresh->has_header);
  CHECK(ListJournalFiles(dir.path() + "/missing").empty());
}
