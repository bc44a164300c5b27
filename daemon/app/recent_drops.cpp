#include "app/recent_drops.h"

#include <string>

#include "core/log_record.h"
#include "parse/sshd_parser.h"
#include "sources/journal_scan.h"
#include "sources/line_reader.h"
#include "sources/syslog_line.h"
#include "sources/wanted_sources.h"

namespace sshd_health {
namespace {

constexpr std::uint64_t kTailBytes = 4 << 20;
constexpr std::uint64_t kMaxJournalEntries = 200000;

bool IsDrop(SshdParser& parser, const LogRecord& record, TimePoint since) {
  const auto event = parser.Parse(record);
  if (!event || event->kind != EventKind::kMaxStartupsDrop) return false;
  const TimePoint ts = event->has_ts ? event->ts : record.ts;
  return !record.has_ts && !event->has_ts ? true : ts >= since;
}

std::optional<long> CountInFile(const std::string& path, TimePoint now, TimePoint since) {
  auto opened = LineReader::OpenTail(path, kTailBytes);
  if (!opened) return std::nullopt;
  LineReader& reader = **opened;
  SshdParser parser;
  const SyslogContext ctx{now};
  long drops = 0;
  std::string_view line;
  while (reader.Next(line)) {
    if (IsDrop(parser, RecordFromLine(line, ctx), since)) ++drops;
  }
  return drops;
}

std::optional<long> CountInJournal(const JournalSourceConfig& cfg, TimePoint since) {
  SshdParser parser;
  long drops = 0;
  std::uint64_t seen = 0;
  const auto scanned =
      ScanJournal({.directory = cfg.directory, .since = since, .max_entries = kMaxJournalEntries},
                  [&](const LogRecord& record) {
                    ++seen;
                    if (IsDrop(parser, record, since)) ++drops;
                  });
  // A read error part-way still leaves a count of what was read.
  if (!scanned && seen == 0) return std::nullopt;
  return drops;
}

}  // namespace

void DropWindow::Seed(long count, TimePoint at) {
  std::lock_guard lock(mutex_);
  seed_ = count;
  seed_at_ = at;
}

void DropWindow::Record(TimePoint ts) {
  std::lock_guard lock(mutex_);
  if (times_.size() >= kMaxKept) times_.pop_front();
  times_.push_back(ts);
}

void DropWindow::Trim(TimePoint now) {
  while (!times_.empty() && times_.front() < now - window_) times_.pop_front();
  if (seed_ != 0 && seed_at_ < now - window_) seed_ = 0;
}

long DropWindow::Count(TimePoint now) {
  std::lock_guard lock(mutex_);
  Trim(now);
  long n = seed_;
  for (const TimePoint t : times_) n += t <= now ? 1 : 0;
  return n;
}

std::optional<long> CountRecentMaxStartupsDrops(const Config& config, TimePoint now,
                                                Duration window) {
  const TimePoint since = now - window;
  std::optional<long> total;
  auto add = [&](std::optional<long> n) {
    if (n) total = total.value_or(0) + *n;
  };
  const WantedSources wanted = SourcesWanted(config.sources);
  if (wanted.journal) add(CountInJournal(config.sources.journal, since));
  for (const std::string& path : wanted.files) add(CountInFile(path, now, since));
  return total;
}

}  // namespace sshd_health
