#pragma once
// ScanJournalDirectory: `scan --journal-directory DIR`. Reads, once and oldest first, every
// sshd entry of the journal files in one directory (a copied /var/log/journal/<machine>,
// or what systemd-journal-remote wrote) and hands each on as a LogRecord. No cursor, no
// waiting for more: the one-shot counterpart of JournalSource, with the same matches and
// the same entry -> LogRecord conversion.
#include <cstdint>
#include <functional>
#include <string>

#include "core/result.h"
#include "core/log_record.h"

namespace sshd_health {

struct JournalScanStats {
  std::uint64_t entries = 0;    // sshd entries handed on
  std::uint64_t truncated = 0;  // of those, MESSAGE cut at kMaxRecordLine
};

/// Calls `handler` for each sshd entry in `directory`, in time order. The record's views
/// are valid only during the call. Fails, naming the directory, when it cannot be opened
/// or holds no journal files; a read error part-way returns what was read so far as an
/// error too (the handler has seen those entries).
Result<JournalScanStats> ScanJournalDirectory(const std::string& directory,
                                              const std::function<void(const LogRecord&)>& handler);

}  // namespace sshd_health
