// `sshd-health scan`: parser and rules over log files or stdin, the same Pipeline the
// daemon runs. Prints alerts (or, with --events, one record per recognised sshd line) on
// stdout and a summary on stderr.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/commands.h"
#include "core/config.h"
#include "core/scan_alert_collector.h"
#include "core/scan_output.h"
#include "core/text.h"
#include "core/yaml_util.h"
#include "parse/syslog_line.h"
#include "rules/pipeline.h"
#include "rules/rule_loader.h"
#include "sources/journal_scan.h"
#include "sources/line_reader.h"

namespace sshd_health {
namespace {

// Records are gathered here and written in large blocks: a scan of a big log prints
// millions of lines, and a write per line would cost more than parsing them.
class OutputBuffer {
 public:
  static constexpr std::size_t kFlushAt = 256 * 1024;

  explicit OutputBuffer(std::FILE* file) : file_(file) { buf_.reserve(kFlushAt + 64 * 1024); }
  ~OutputBuffer() { Flush(); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  std::string& buf() { return buf_; }
  void MaybeFlush() {
    if (buf_.size() >= kFlushAt) Flush();
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), file_);
    buf_.clear();
    std::fflush(file_);
  }

 private:
  std::FILE* file_;
  std::string buf_;
};

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

struct Totals {
  std::uint64_t lines = 0;
  std::uint64_t truncated = 0;
};

// Reads one input through the pipeline. Returns false when it could not be opened or
// read to the end (the error is printed; what was read still counts).
bool ScanInput(const std::string& path, Pipeline& pipeline, ManualClock& clock,
               AlertSink& alerts, const Pipeline::EventObserver* observer, OutputBuffer& out,
               Totals& totals, TimePoint& latest) {
  auto opened = LineReader::Open(path);
  if (!opened) {
    std::fprintf(stderr, "sshd-health: cannot read %s\n", opened.error().message.c_str());
    return false;
  }
  LineReader& reader = **opened;
  // Year-less syslog timestamps are resolved against the file's modification time, so a
  // December log read in January lands in the right year.
  const SyslogContext context{reader.mtime().value_or(SystemClock::now())};
  if (!reader.mtime() && latest == TimePoint{}) clock.Set(context.reference);
  if (reader.mtime() && clock.Now() < *reader.mtime()) clock.Set(*reader.mtime());
  std::string_view line;
  while (reader.Next(line)) {
    const LogRecord record = RecordFromLine(line, context);
    if (record.has_ts) {
      // Lines without a time (journal short form, sshd -E logs) take the last time seen.
      clock.Set(record.ts);
      if (record.ts > latest) latest = record.ts;
    }
    pipeline.Process(record, alerts, observer);
    out.MaybeFlush();
  }
  totals.lines += reader.stats().lines;
  totals.truncated += reader.stats().truncated;
  if (!reader.error().empty()) {
    std::fprintf(stderr, "sshd-health: %s\n", EscapeForOutput(reader.error()).c_str());
    return false;
  }
  return true;
}

// --journal-directory: the sshd entries of those journal files, through the same
// pipeline. Entries carry their own time; the clock follows it as it does for lines.
bool ScanJournal(const std::string& directory, Pipeline& pipeline, ManualClock& clock,
                 AlertSink& alerts, const Pipeline::EventObserver* observer, OutputBuffer& out,
                 Totals& totals, TimePoint& latest) {
  const auto scanned = ScanJournalDirectory(directory, [&](const LogRecord& record) {
    if (record.has_ts) {
      clock.Set(record.ts);
      if (record.ts > latest) latest = record.ts;
    }
    pipeline.Process(record, alerts, observer);
    out.MaybeFlush();
  });
  if (!scanned) {
    std::fprintf(stderr, "sshd-health: %s\n", EscapeForOutput(scanned.error().message).c_str());
    return false;
  }
  totals.lines += scanned->entries;
  totals.truncated += scanned->truncated;
  return true;
}

}  // namespace

int RunScan(const ScanOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  const Config config = LoadConfigOrDefault(options.config_path);
  // Config paths may be absent (rules.d is optional); a directory named on the command
  // line is meant to exist, and a typo must not silently scan without its rules.
  for (const std::string& dir : options.rule_dirs) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      throw ConfigError("--rules " + dir + ": not a directory");
    }
  }
  const std::vector<std::string>& rule_dirs =
      options.rule_dirs.empty() ? config.rules.paths : options.rule_dirs;
  std::vector<Rule> rules = LoadRules(rule_dirs);

  std::vector<std::string> inputs = options.inputs;
  if (inputs.empty() && options.journal_directory.empty()) {
    std::vector<std::string> looked_at;
    for (const FileSourceConfig& file : config.sources.files) {
      looked_at.push_back(file.path);
      if (Exists(file.path)) inputs.push_back(file.path);
    }
    if (inputs.empty()) {
      std::fprintf(stderr, "sshd-health: no sshd log files found: looked at %s (from %s); pass files or - for stdin\n",
                   looked_at.empty() ? "nothing (sources.files is empty)"
                                     : fmt::format("{}", fmt::join(looked_at, ", ")).c_str(),
                   config.source.c_str());
      return 0;
    }
    for (const std::string& path : inputs) std::fprintf(stderr, "sshd-health: scanning %s\n", path.c_str());
  }

  OutputBuffer out(stdout);
  ManualClock clock(SystemClock::now());
  Pipeline pipeline(std::move(rules), clock);
  ScanAlertCollector alerts;
  const Pipeline::EventObserver print_event = [&](const SshdEvent& event) {
    if (options.format == OutputFormat::kJson) {
      AppendEventJson(event, out.buf());
    } else {
      AppendEventText(event, out.buf());
    }
  };
  const Pipeline::EventObserver* observer = options.events ? &print_event : nullptr;

  Totals totals;
  TimePoint latest{};
  bool ok = true;
  for (const std::string& path : inputs) {
    ok = ScanInput(path, pipeline, clock, alerts, observer, out, totals, latest) && ok;
  }
  if (!options.journal_directory.empty()) {
    ok = ScanJournal(options.journal_directory, pipeline, clock, alerts, observer, out, totals, latest) && ok;
  }
  // Settle the rules' state as of the last line, so groups that went quiet are reported
  // resolved rather than left open.
  pipeline.Expire(latest == TimePoint{} ? clock.Now() : latest, alerts);

  if (!options.events) {
    for (const Alert& alert : alerts.alerts()) {
      if (options.format == OutputFormat::kJson) {
        AppendAlertJson(alert, out.buf());
      } else {
        AppendAlertText(alert, out.buf());
      }
    }
  }
  out.Flush();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const PipelineStats stats = pipeline.stats();
  std::string summary = fmt::format(
      "sshd-health scan: {} lines, {} events, {} alerts, {:.3f} seconds, {:.0f} lines/s",
      totals.lines, stats.events, alerts.alerts().size(), seconds,
      seconds > 0 ? static_cast<double>(totals.lines) / seconds : 0.0);
  if (totals.truncated > 0) {
    summary += fmt::format(" ({} overlong lines cut at {} bytes)", totals.truncated,
                           LineReader::kDefaultMaxLine);
  }
  std::fprintf(stderr, "%s\n", summary.c_str());
  return ok ? 0 : 1;
}

}  // namespace sshd_health
