#include "sources/journal_scan.h"

#include <systemd/sd-journal.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "sources/journal_source.h"

namespace sshd_health {
namespace {

struct JournalCloser {
  void operator()(sd_journal* j) const { sd_journal_close(j); }
};

// sd_journal_open_directory accepts a directory without journal files (it then simply
// has no entries); for `scan` that is almost always a wrong path, so say so.
bool HasJournalFiles(const std::string& directory) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".journal") || name.ends_with(".journal~")) return true;
  }
  return false;
}

}  // namespace

Result<JournalScanStats> ScanJournalDirectory(const std::string& directory,
                                              const std::function<void(const LogRecord&)>& handler) {
  if (!std::filesystem::is_directory(directory)) {
    return Fail(fmt::format("{}: not a directory", directory));
  }
  if (!HasJournalFiles(directory)) {
    return Fail(fmt::format("{}: no journal files (*.journal) in this directory", directory));
  }
  sd_journal* raw = nullptr;
  if (const int r = sd_journal_open_directory(&raw, directory.c_str(), 0); r < 0) {
    return Fail(fmt::format("{}: cannot open journal: {}", directory, std::strerror(-r)));
  }
  const std::unique_ptr<sd_journal, JournalCloser> journal(raw);
  AddSshdJournalMatches(raw);
  sd_journal_set_data_threshold(raw, kMaxRecordLine + 64);

  JournalScanStats stats;
  std::string line;  // reused for every entry: no allocation per entry once it has grown
  for (;;) {
    const int r = sd_journal_next(raw);
    if (r == 0) break;
    if (r < 0) {
      return Fail(fmt::format("{}: read error after {} entries: {}", directory, stats.entries,
                              std::strerror(-r)));
    }
    bool truncated = false;
    const LogRecord record = CurrentJournalRecord(raw, line, truncated);
    ++stats.entries;
    if (truncated) ++stats.truncated;
    handler(record);
  }
  return stats;
}

}  // namespace sshd_health
