#include "app/recent_drops.h"

#include <string>

#include "core/log_record.h"
#include "parse/sshd_parser.h"
#include "sources/glob_source.h"
#include "sources/journal_scan.h"
#include "sources/line_reader.h"
#include "sources/syslog_line.h"
#include "sources/wanted_sources.h"

namespace sshd_health {
namespace {

constexpr std::uint64_t kTailBytes = 4 << 20;
constexpr std::uint64_t kMaxJournalEntries = 200000;

// Adds the record's event to `counts` when it is one of the counted kinds within the window.
void CountRecord(SshdParser& parser, const LogRecord& record, TimePoint since,
                 RecentLogCounts& counts) {
  const auto event = parser.Parse(record);
  if (!event) return;
  std::optional<long>* slot = nullptr;
  if (event->kind == EventKind::kMaxStartupsDrop) slot = &counts.maxstartups_drops;
  if (event->kind == EventKind::kTimeoutBeforeAuth) slot = &counts.grace_timeouts;
  if (!slot) return;
  const TimePoint ts = event->has_ts ? event->ts : record.ts;
  // A record without any time cannot be placed; it is counted (it is in the recent tail).
  if ((record.has_ts || event->has_ts) && ts < since) return;
  **slot += 1;
}

// Both counts known (zero) once a source was read.
RecentLogCounts Zero() { return {.maxstartups_drops = 0, .grace_timeouts = 0}; }

std::optional<RecentLogCounts> CountInFile(const std::string& path, TimePoint now,
                                           TimePoint since) {
  auto opened = LineReader::OpenTail(path, kTailBytes);
  if (!opened) return std::nullopt;
  LineReader& reader = **opened;
  SshdParser parser;
  const SyslogContext ctx{now};
  RecentLogCounts counts = Zero();
  std::string_view line;
  while (reader.Next(line)) CountRecord(parser, RecordFromLine(line, ctx), since, counts);
  return counts;
}

std::optional<RecentLogCounts> CountInJournal(const JournalSourceConfig& cfg, TimePoint since) {
  SshdParser parser;
  RecentLogCounts counts = Zero();
  std::uint64_t seen = 0;
  const auto scanned =
      ScanJournal({.directory = cfg.directory, .since = since, .max_entries = kMaxJournalEntries},
                  [&](const LogRecord& record) {
                    ++seen;
                    CountRecord(parser, record, since, counts);
                  });
  // A read error part-way still leaves a count of what was read.
  if (!scanned && seen == 0) return std::nullopt;
  return counts;
}

}  // namespace

void RecentEventWindow::Seed(long count, TimePoint at) {
  std::lock_guard lock(mutex_);
  seed_ = count;
  seed_at_ = at;
}

void RecentEventWindow::Record(TimePoint ts) {
  std::lock_guard lock(mutex_);
  if (times_.size() >= kMaxKept) times_.pop_front();
  times_.push_back(ts);
}

void RecentEventWindow::Trim(TimePoint now) {
  while (!times_.empty() && times_.front() < now - window_) times_.pop_front();
  if (seed_ != 0 && seed_at_ < now - window_) seed_ = 0;
}

long RecentEventWindow::Count(TimePoint now) {
  std::lock_guard lock(mutex_);
  Trim(now);
  long n = seed_;
  for (const TimePoint t : times_) n += t <= now ? 1 : 0;
  return n;
}

RecentLogCounts CountRecentLogEvents(const Config& config, TimePoint now, Duration window) {
  const TimePoint since = now - window;
  RecentLogCounts total;
  auto add = [&](const std::optional<RecentLogCounts>& n) {
    if (!n) return;
    total.maxstartups_drops = total.maxstartups_drops.value_or(0) + *n->maxstartups_drops;
    total.grace_timeouts = total.grace_timeouts.value_or(0) + *n->grace_timeouts;
  };
  const WantedSources wanted = SourcesWanted(config.sources);
  if (wanted.journal) add(CountInJournal(config.sources.journal, since));
  for (const std::string& pattern : wanted.files) {
    for (const std::string& path : ExpandGlob(pattern)) add(CountInFile(path, now, since));
  }
  return total;
}

}  // namespace sshd_health
