#include "sources/journal_scan.h"

#include <fmt/format.h>
#include <systemd/sd-journal.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "sources/journal_source.h"

namespace sshd_health {
namespace {

bool HasJournalFiles(const std::string& directory) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".journal") || name.ends_with(".journal~")) return true;
  }
  return false;
}

}  // namespace

Result<JournalScanStats> ScanJournal(const JournalScanOptions& options,
                                     const std::function<void(const LogRecord&)>& handler) {
  const std::string name = options.directory.empty() ? "the system journal" : options.directory;
  auto opened = OpenSshdJournal(options.directory);
  if (!opened)
    return Fail(fmt::format("{}: cannot open journal: {}", name, opened.error().message));
  sd_journal* const journal = opened->get();
  if (options.since) {
    const auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(options.since->time_since_epoch())
            .count();
    sd_journal_seek_realtime_usec(journal, static_cast<std::uint64_t>(usec));
  }

  JournalScanStats stats;
  std::string line;  // reused for every entry: no allocation per entry once it has grown
  while (options.max_entries == 0 || stats.entries < options.max_entries) {
    const int r = sd_journal_next(journal);
    if (r == 0) break;
    if (r < 0) {
      return Fail(fmt::format("{}: read error after {} entries: {}", name, stats.entries,
                              std::strerror(-r)));
    }
    bool truncated = false;
    const LogRecord record = CurrentJournalRecord(journal, line, truncated);
    ++stats.entries;
    if (truncated) ++stats.truncated;
    handler(record);
  }
  return stats;
}

Result<JournalScanStats> ScanJournalDirectory(
    const std::string& directory, const std::function<void(const LogRecord&)>& handler) {
  if (!std::filesystem::is_directory(directory)) {
    return Fail(fmt::format("{}: not a directory", directory));
  }
  if (!HasJournalFiles(directory)) {
    return Fail(fmt::format("{}: no journal files (*.journal) in this directory", directory));
  }
  return ScanJournal({.directory = directory}, handler);
}

}  // namespace sshd_health
