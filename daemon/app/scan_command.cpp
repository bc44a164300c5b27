// `sshd-health scan`: parser and rules over log files or stdin, the same Pipeline the
// daemon runs. Prints alerts (or, with --events, one record per recognised sshd line) on
// stdout and a summary on stderr.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/log_inputs.h"
#include "app/pipeline.h"
#include "app/scan_alert_collector.h"
#include "app/scan_output.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/text.h"
#include "core/yaml_util.h"
#include "rules/rule_loader.h"
#include "sources/journal_scan.h"
#include "sources/line_reader.h"
#include "sources/syslog_line.h"

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

// One scan's state across its inputs: they go through one pipeline, in the order given,
// so a connection's lines that straddle a rotation (auth.log.1, auth.log) stay together.
class Scanner {
 public:
  Scanner(Pipeline& pipeline, ManualClock& clock, AlertSink& alerts,
          const Pipeline::EventObserver* observer, OutputBuffer& out)
      : pipeline_(pipeline), clock_(clock), alerts_(alerts), observer_(observer), out_(out) {}

  // Reads one file ("-": stdin). Returns false when it could not be opened or read to the
  // end (the error is printed; what was read still counts).
  bool ScanFile(const std::string& path) {
    std::string read_error;
    const auto read = ReadLogFile(
        path,
        [this](TimePoint reference) {
          if (latest_ == TimePoint{}) clock_.Set(reference);
        },
        [this](const LogRecord& record) { Feed(record); }, &read_error);
    if (!read) {
      std::fprintf(stderr, "sshd-health: cannot read %s\n",
                   EscapeForOutput(read.error().message).c_str());
      return false;
    }
    lines_ += read->lines;
    truncated_ += read->truncated;
    if (!read_error.empty()) {
      std::fprintf(stderr, "sshd-health: %s\n", EscapeForOutput(read_error).c_str());
      return false;
    }
    return true;
  }

  // Reads sshd's entries from the journal files in `dir`, oldest first (journal_scan.h:
  // the same matches and entry -> LogRecord conversion as the daemon's JournalSource).
  bool ScanJournal(const std::string& dir) {
    const auto scanned =
        ScanJournalDirectory(dir, [this](const LogRecord& record) { Feed(record); });
    if (!scanned) {
      std::fprintf(stderr, "sshd-health: %s\n", EscapeForOutput(scanned.error().message).c_str());
      return false;
    }
    lines_ += scanned->entries;
    truncated_ += scanned->truncated;
    return true;
  }

  std::uint64_t lines() const { return lines_; }
  std::uint64_t truncated() const { return truncated_; }
  // The time rules are settled at when the scan ends: the newest line's.
  TimePoint end() const { return latest_ == TimePoint{} ? clock_.Now() : latest_; }

 private:
  void Feed(const LogRecord& record) {
    if (record.has_ts) {
      // Lines without a time (journal short form, sshd -E logs) take the last time seen.
      clock_.Set(record.ts);
      if (record.ts > latest_) latest_ = record.ts;
    }
    pipeline_.Process(record, alerts_, observer_);
    out_.MaybeFlush();
  }

  Pipeline& pipeline_;
  ManualClock& clock_;
  AlertSink& alerts_;
  const Pipeline::EventObserver* observer_;
  OutputBuffer& out_;
  std::uint64_t lines_ = 0;
  std::uint64_t truncated_ = 0;
  TimePoint latest_{};
};

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

  // No inputs: what the daemon would read (log_inputs.h, shared with `why`).
  const LogInputs resolved = ResolveLogInputs(config, options.journal_directory, options.inputs);
  if (resolved.empty()) {
    std::fprintf(stderr, "sshd-health: %s\n", NoLogInputsMessage(resolved, config).c_str());
    return 0;
  }
  AnnounceLogInputs(resolved);
  const std::optional<std::string>& journal_dir = resolved.journal_dir;
  const std::vector<std::string>& inputs = resolved.files;

  OutputBuffer out(stdout);
  ManualClock clock(SystemClock::now());
  // Never destroyed: the process ends after scan (the CLI runs one command), and freeing
  // an attack day's 300,000 rule groups one by one took 1.7% of the run. The static
  // pointer keeps it reachable, so LeakSanitizer reports nothing.
  static Pipeline* never_freed = nullptr;
  never_freed = new Pipeline(std::move(rules), clock);
  Pipeline& pipeline = *never_freed;
  ScanAlertCollector alerts;
  const Pipeline::EventObserver print_event = [&](const SshdEvent& event) {
    if (options.format == OutputFormat::kJson) {
      AppendEventJson(event, out.buf());
    } else {
      AppendEventText(event, out.buf());
    }
  };
  const Pipeline::EventObserver* observer = options.events ? &print_event : nullptr;

  Scanner scanner(pipeline, clock, alerts, observer, out);
  bool ok = true;
  if (journal_dir) ok = scanner.ScanJournal(*journal_dir) && ok;
  for (const std::string& path : inputs) ok = scanner.ScanFile(path) && ok;
  // Settle the rules' state as of the last line, so groups that went quiet are reported
  // resolved rather than left open.
  pipeline.Expire(scanner.end(), alerts);

  if (options.unknown) {
    AppendUnknownLines(pipeline.unknown(), options.format == OutputFormat::kJson, out.buf());
  } else if (!options.events) {
    // Most severe first; within a severity, in the order they first fired. Sorted by
    // pointer: a long scan holds thousands of alerts, and a copy would double the peak.
    std::vector<const Alert*> report;
    report.reserve(alerts.alerts().size());
    for (const Alert& alert : alerts.alerts()) report.push_back(&alert);
    std::stable_sort(report.begin(), report.end(),
                     [](const Alert* a, const Alert* b) { return a->severity > b->severity; });
    for (const Alert* alert_ptr : report) {
      const Alert& alert = *alert_ptr;
      if (options.format == OutputFormat::kJson) {
        AppendAlertJson(alert, out.buf());
      } else {
        AppendAlertText(alert, out.buf());
      }
      out.MaybeFlush();  // a report of 10,000 alerts is megabytes: never all of it in memory
    }
  }
  out.Flush();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const PipelineStats stats = pipeline.stats();
  std::string summary = fmt::format(
      "sshd-health scan: {} lines, {} events, {} alerts, {:.3f} seconds, {:.0f} lines/s",
      scanner.lines(), stats.events, alerts.alerts().size(), seconds,
      seconds > 0 ? static_cast<double>(scanner.lines()) / seconds : 0.0);
  if (scanner.truncated() > 0) {
    summary += fmt::format(" ({} overlong lines cut at {} bytes)", scanner.truncated(),
                           LineReader::kDefaultMaxLine);
  }
  if (stats.unknown > 0) {
    summary += fmt::format("; {} sshd lines not understood{}", stats.unknown,
                           options.unknown ? "" : " (scan --unknown lists them)");
  }
  std::fprintf(stderr, "%s\n", summary.c_str());
  return ok ? 0 : 1;
}

}  // namespace sshd_health
