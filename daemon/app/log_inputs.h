#pragma once
// What a one-shot command reads and how it reads it: `scan` and `why` take the same
// inputs (files, "-", --journal-directory, or with none what the daemon would read) and
// turn them into LogRecords the same way, so `why` sees exactly the lines `scan` does.
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/log_record.h"
#include "core/result.h"
#include "sources/line_reader.h"
#include "sources/syslog_line.h"

namespace sshd_health {

struct LogInputs {
  std::optional<std::string> journal_dir;  // read sshd's entries from these journal files
  std::vector<std::string> files;          // then these files, in order ("-": stdin)
  /// With no inputs given: the files the config names (they need not exist), for the
  /// "nothing found" message; empty when inputs were given.
  std::vector<std::string> looked_at;
  bool from_config = false;  // chosen from the config (announce them on stderr)
  bool empty() const { return !journal_dir && files.empty(); }
};

/// `journal_directory` and `inputs` as given; with neither, what the daemon would read
/// with `config`: the system journal's files when the journal is wanted (SourcesWanted),
/// and the config's files that exist.
LogInputs ResolveLogInputs(const Config& config, const std::string& journal_directory,
                           const std::vector<std::string>& inputs);

/// "no sshd log files found: looked at ...; pass files or - for stdin".
std::string NoLogInputsMessage(const LogInputs& inputs, const Config& config);

/// Prints "scanning X" on stderr for inputs chosen from the config.
void AnnounceLogInputs(const LogInputs& inputs);

struct LogFileStats {
  std::uint64_t lines = 0;
  std::uint64_t truncated = 0;
};

/// Reads one file ("-": stdin) line by line as syslog text. `on_open(reference)` runs once
/// before the first line with the time year-less timestamps are resolved against (the
/// file's modification time; stdin: now); `on_line(record)` runs per line (the record's
/// views are valid during the call only). A template so `scan`'s per-line path stays a
/// direct call. An error names the file when it could not be opened; a read error
/// part-way is in `read_error` (the lines before it were handed on).
template <class OnOpen, class OnLine>
Result<LogFileStats> ReadLogFile(const std::string& path, OnOpen&& on_open, OnLine&& on_line,
                                 std::string* read_error) {
  auto opened = LineReader::Open(path);
  if (!opened) return tl::unexpected(opened.error());
  LineReader& reader = **opened;
  // Year-less syslog timestamps are resolved against the file's modification time, so a
  // December log read in January lands in the right year.
  const SyslogContext context{reader.mtime().value_or(SystemClock::now())};
  on_open(context.reference);
  std::string_view line;
  while (reader.Next(line)) on_line(RecordFromLine(line, context));
  if (read_error) *read_error = reader.error();
  return LogFileStats{reader.stats().lines, reader.stats().truncated};
}

}  // namespace sshd_health
