#pragma once
// LogSource: something that follows a log as it is written (the journal, a syslog file)
// and hands each entry to the daemon as a LogRecord. A source owns its resume position
// (journal cursor; file inode + offset) and saves it in the StateStore only after the
// handler has returned for every record of a batch, so a restart neither repeats nor
// skips a record.
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/log_record.h"
#include "core/result.h"

namespace sshd_health {

struct SourceStats {
  std::uint64_t records = 0;    // records handed to the handler
  std::uint64_t truncated = 0;  // over-long lines cut to kMaxRecordLine
  std::uint64_t errors = 0;     // read errors logged (the source keeps going)
  TimePoint last_record{};      // timestamp of the last record read (not replayed); epoch: none
};

/// How far a source has read, for `sshd-health status`: a file's inode and the offset
/// after its last complete line, or the journal's cursor of the last entry handed on.
struct SourcePosition {
  std::string kind;   // "file", "glob" (a pattern of files) or "journal"
  std::string path;   // the file, or the journal directory ("" = the system journal)
  bool open = false;  // a file: open now (false while it is missing or unreadable)
  std::uint64_t inode = 0;
  std::int64_t offset = 0;
  std::string cursor;       // the journal's; empty before the first entry
  std::uint64_t files = 0;  // a glob: the files followed now
};

/// Longest line a source hands on; the rest of a longer line is dropped (and counted).
inline constexpr std::size_t kMaxRecordLine = 16 * 1024;

/// All calls and the handler run on the io_context thread the source was built with.
class LogSource {
 public:
  /// Called once per record. Must not throw; the record's views are valid only during
  /// the call.
  using Handler = std::function<void(const LogRecord&)>;
  /// Called after each batch of records, once the position was saved (for counters).
  using BatchDone = std::function<void()>;

  virtual ~LogSource() = default;

  /// "journal" or "file /var/log/auth.log": for logs and STATUS.
  virtual const std::string& Name() const = 0;

  /// Opens the log, positions it (saved position, else the configured start) and starts
  /// waiting for new entries. An error means the source cannot run at all (logged by the
  /// caller); a missing file is not an error (the source waits for it).
  virtual Result<void> Start(Handler handler, BatchDone batch_done) = 0;

  /// Before Start: when a saved position exists (a restart), first hand on again what
  /// the log holds from `since` up to that position, marked LogRecord::replay, so the
  /// rules see the whole of their windows as if the daemon had never stopped. A saved
  /// position older than `since` is simply resumed (nothing to replay). No call, or a
  /// first start: no replay.
  virtual void ReplayFrom(TimePoint since) = 0;
  /// True until the replayed records have all been handed on.
  virtual bool Replaying() const = 0;

  /// Stops reading, saves the position durably and releases fds and watches. Idempotent.
  virtual void Stop() = 0;

  virtual SourceStats Stats() const = 0;
  virtual SourcePosition Position() const = 0;
};

}  // namespace sshd_health
