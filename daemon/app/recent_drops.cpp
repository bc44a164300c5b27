#include "app/recent_drops.h"

#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <fstream>
#include <memory>
#include <string>

#include "core/log_record.h"
#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

constexpr std::streamoff kTailBytes = 4 << 20;
constexpr long kMaxJournalEntries = 200000;

bool IsDrop(SshdParser& parser, const LogRecord& record, TimePoint since) {
  const auto event = parser.Parse(record);
  if (!event || event->kind != EventKind::kMaxStartupsDrop) return false;
  const TimePoint ts = event->has_ts ? event->ts : record.ts;
  return !record.has_ts && !event->has_ts ? true : ts >= since;
}

std::optional<long> CountInFile(const std::string& path, TimePoint now, TimePoint since) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff start = size > kTailBytes ? size - kTailBytes : 0;
  in.seekg(start);
  std::string line;
  if (start > 0) std::getline(in, line);  // a partial first line
  SshdParser parser;
  const SyslogContext ctx{now};
  long drops = 0;
  while (std::getline(in, line)) {
    if (IsDrop(parser, RecordFromLine(line, ctx), since)) ++drops;
  }
  return drops;
}

std::optional<long> CountInJournal(const JournalSourceConfig& cfg, TimePoint since) {
  sd_journal* raw = nullptr;
  const int r = cfg.directory.empty() ? sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM)
                                      : sd_journal_open_directory(&raw, cfg.directory.c_str(), 0);
  if (r < 0) return std::nullopt;
  std::unique_ptr<sd_journal, void (*)(sd_journal*)> j(raw, sd_journal_close);
  for (const char* m : {"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session"}) {
    sd_journal_add_match(j.get(), m, 0);
    sd_journal_add_disjunction(j.get());
  }
  const auto since_us = std::chrono::duration_cast<std::chrono::microseconds>(since.time_since_epoch()).count();
  sd_journal_seek_realtime_usec(j.get(), static_cast<std::uint64_t>(since_us));
  SshdParser parser;
  long drops = 0, seen = 0;
  while (sd_journal_next(j.get()) > 0 && seen++ < kMaxJournalEntries) {
    const void* data = nullptr;
    size_t len = 0;
    if (sd_journal_get_data(j.get(), "MESSAGE", &data, &len) < 0) continue;
    std::string_view message(static_cast<const char*>(data), len);
    message.remove_prefix(std::min<std::size_t>(8, message.size()));  // "MESSAGE="
    std::string text(message);
    std::uint64_t usec = 0;
    sd_journal_get_realtime_usec(j.get(), &usec);
    LogRecord record;
    record.ts = TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(usec)));
    record.has_ts = true;
    record.program = "sshd";
    record.message = text;
    record.line = text;
    if (IsDrop(parser, record, since)) ++drops;
  }
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

std::optional<long> CountRecentMaxStartupsDrops(const Config& config, TimePoint now, Duration window) {
  const TimePoint since = now - window;
  std::optional<long> total;
  auto add = [&](std::optional<long> n) {
    if (n) total = total.value_or(0) + *n;
  };
  const auto& journal = config.sources.journal;
  struct stat st{};
  const bool journal_on = journal.enabled == Tristate::kOn ||
                          (journal.enabled == Tristate::kAuto &&
                           (!journal.directory.empty() || ::stat("/run/systemd/journal", &st) == 0));
  if (journal_on) add(CountInJournal(journal, since));
  for (const auto& file : config.sources.files) add(CountInFile(file.path, now, since));
  return total;
}

}  // namespace sshd_health
