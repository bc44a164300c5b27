#pragma once
// ScanJournal: reads sshd's entries from the journal once, oldest first, and hands each on
// as a LogRecord. No cursor, no waiting for more: the one-shot counterpart of
// JournalSource, opened the same way (OpenSshdJournal: the same matches) and with the
// same entry -> LogRecord conversion. `scan --journal-directory DIR` reads a copied
// /var/log/journal/<machine> or what systemd-journal-remote wrote; `check` reads the last
// hour of the system journal for MaxStartups drops.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/log_record.h"
#include "core/result.h"

namespace sshd_health {

struct JournalScanStats {
  std::uint64_t entries = 0;    // sshd entries handed on
  std::uint64_t truncated = 0;  // of those, MESSAGE cut at kMaxRecordLine
};

struct JournalScanOptions {
  std::string directory{};           // the journal files in it; empty: the local system journal
  std::optional<TimePoint> since{};  // start at the first entry at or after it; else the oldest
  std::uint64_t max_entries = 0;     // stop after this many entries; 0: read them all
};

/// Calls `handler` for each sshd entry, in time order. The record's views are valid only
/// during the call. Fails, naming the journal, when it cannot be opened; a read error
/// part-way returns what was read so far as an error too (the handler has seen those
/// entries).
Result<JournalScanStats> ScanJournal(const JournalScanOptions& options,
                                     const std::function<void(const LogRecord&)>& handler);

/// `scan --journal-directory`: ScanJournal over all of `directory`, which must exist and
/// hold journal files (a directory without any is almost always a wrong path, where
/// sd_journal would just find no entries).
Result<JournalScanStats> ScanJournalDirectory(const std::string& directory,
                                              const std::function<void(const LogRecord&)>& handler);

}  // namespace sshd_health
