#include "sources/journal_source.h"

#include <dirent.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health {
namespace {

constexpr const char* kStateKey = "journal-cursor";
// Entries per turn of the event loop; a backlog is read in several turns.
constexpr int kBatchEntries = 2000;

// Identifiers and units sshd logs under (Debian names the unit ssh.service, RHEL
// sshd.service; OpenSSH 9.8+ forks sshd-session, 10.3+ sshd-auth).
constexpr const char* kIdentifierMatches[] = {
    "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "SYSLOG_IDENTIFIER=sshd-auth"};
constexpr const char* kUnitMatches[] = {"_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"};

std::string Errno(int r) { return std::strerror(r < 0 ? -r : r); }

std::uint64_t ParseU64(std::string_view s) {
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

std::uint64_t MonotonicUsec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

// Restricts `j` to sshd's entries and bounds the size of a field read from it.
void AddSshdJournalMatches(sd_journal* j) {
  // Fields with the same name are ORed; the disjunction ORs the identifier group with
  // the unit group.
  for (const char* m : kIdentifierMatches) sd_journal_add_match(j, m, 0);
  sd_journal_add_disjunction(j);
  for (const char* m : kUnitMatches) sd_journal_add_match(j, m, 0);
  // Bounds what one field can make us copy (MESSAGE is cut to kMaxRecordLine anyway).
  sd_journal_set_data_threshold(j, kMaxRecordLine + 64);
}

}  // namespace

Result<SdJournalPtr> OpenSshdJournal(const std::string& directory) {
  sd_journal* raw = nullptr;
  const int r = directory.empty() ? sd_journal_open(&raw, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM)
                                  : sd_journal_open_directory(&raw, directory.c_str(), 0);
  if (r < 0) return Fail(Errno(r));
  SdJournalPtr journal(raw);
  AddSshdJournalMatches(raw);
  return journal;
}

namespace {

bool TakeField(std::string_view field, std::string_view name_eq, std::string_view& value) {
  if (field.size() < name_eq.size() || field.compare(0, name_eq.size(), name_eq) != 0) return false;
  value = field.substr(name_eq.size());
  return true;
}

}  // namespace

JournalEntryShaper::JournalEntryShaper(std::string& line) : line_(line) { line_.clear(); }

// Each value is copied as it is seen, since the caller's next step may reuse the buffer
// it is in (sd_journal_enumerate_data with compressed fields).
void JournalEntryShaper::Field(std::string_view field) {
  std::string_view v;
  if (!have_message_ && TakeField(field, "MESSAGE=", v)) {
    truncated_ = v.size() > kMaxRecordLine;
    line_.assign(v.substr(0, kMaxRecordLine));  // the prefix goes in front in Finish
    have_message_ = true;
  } else if (ident_len_ == 0 && TakeField(field, "SYSLOG_IDENTIFIER=", v)) {
    ident_len_ = std::min(v.size(), sizeof ident_ - 1);
    std::memcpy(ident_, v.data(), ident_len_);
  } else if (host_len_ == 0 && TakeField(field, "_HOSTNAME=", v)) {
    host_len_ = std::min(v.size(), sizeof host_ - 1);
    std::memcpy(host_, v.data(), host_len_);
  } else if (pid_ == 0 && TakeField(field, "_PID=", v)) {
    pid_ = ParseU64(v.substr(0, 9));
  } else if (syslog_pid_ == 0 && TakeField(field, "SYSLOG_PID=", v)) {
    syslog_pid_ = ParseU64(v.substr(0, 9));
  } else if (usec_ == 0 && TakeField(field, "_SOURCE_REALTIME_TIMESTAMP=", v)) {
    usec_ = ParseU64(v);
  }
}

LogRecord JournalEntryShaper::Finish(std::uint64_t realtime_usec) {
  const std::uint64_t pid = pid_ != 0 ? pid_ : syslog_pid_;
  // A timestamp past what a TimePoint holds (nanoseconds: the year 2262), as a corrupt
  // journal file can carry, would overflow it: it counts as none.
  constexpr auto kMaxUsec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(TimePoint::duration::max()).count());
  std::uint64_t usec = usec_ != 0 && usec_ <= kMaxUsec ? usec_ : realtime_usec;
  if (usec > kMaxUsec) usec = 0;
  // The line journalctl -o short would print: "Nov 21 16:31:02 host sshd[123]: msg".
  const std::time_t secs = static_cast<std::time_t>(usec / 1'000'000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  char prefix[32 + sizeof ident_ + sizeof host_ + 16];
  std::size_t n = std::strftime(prefix, 32, "%b %d %H:%M:%S", &tm);
  prefix[n++] = ' ';
  const std::size_t host_at = n;
  std::memcpy(prefix + n, host_, host_len_);
  n += host_len_;
  prefix[n++] = ' ';
  const std::size_t ident_at = n;
  std::memcpy(prefix + n, ident_, ident_len_);
  n += ident_len_;
  if (pid > 0) {
    prefix[n++] = '[';
    n = static_cast<std::size_t>(std::to_chars(prefix + n, prefix + sizeof prefix, pid).ptr -
                                 prefix);
    prefix[n++] = ']';
  }
  prefix[n++] = ':';
  prefix[n++] = ' ';
  line_.insert(0, prefix, n);

  const std::string_view all(line_);
  LogRecord record;
  record.ts =
      TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::microseconds(usec)));
  record.has_ts = usec != 0;
  record.host = all.substr(host_at, host_len_);
  record.program = all.substr(ident_at, ident_len_);
  record.pid = static_cast<int>(pid);
  record.message = all.substr(n);
  record.line = all;
  return record;
}

LogRecord CurrentJournalRecord(sd_journal* j, std::string& line, bool& truncated) {
  // One pass over the entry's fields: sd_journal_get_data searches them from the start
  // on every call, and five or six calls per entry were half of a journal scan's time.
  JournalEntryShaper shaper(line);
  const void* data = nullptr;
  size_t len = 0;
  sd_journal_restart_data(j);
  while (sd_journal_enumerate_data(j, &data, &len) > 0) {
    shaper.Field(std::string_view(static_cast<const char*>(data), len));
  }
  std::uint64_t realtime = 0;
  if (shaper.needs_realtime()) sd_journal_get_realtime_usec(j, &realtime);
  truncated = shaper.truncated();
  return shaper.Finish(realtime);
}

JournalSource::JournalSource(boost::asio::io_context& io, const StateStore& state,
                             JournalSourceConfig config)
    : io_(io), state_(state), config_(std::move(config)), timeout_(io) {
  name_ = config_.directory.empty() ? "journal" : "journal " + config_.directory;
}

JournalSource::~JournalSource() {
  *alive_ = false;
  Stop();
}

Result<void> JournalSource::Open() {
  auto opened = OpenSshdJournal(config_.directory);
  if (!opened) return Fail(fmt::format("{}: cannot open: {}", name_, opened.error().message));
  journal_ = opened->release();
  // Getting the fd first sets up inotify before we read, so nothing written in between
  // is missed.
  const int r = sd_journal_get_fd(journal_);
  if (r < 0) return Fail(fmt::format("{}: sd_journal_get_fd: {}", name_, Errno(r)));
  fd_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, r);
  return {};
}

Result<void> JournalSource::Start(Handler handler, BatchDone batch_done) {
  handler_ = std::move(handler);
  batch_done_ = std::move(batch_done);
  if (auto r = Open(); !r) {
    Stop();
    return r;
  }
  running_ = true;
  WarnOfDroppedFiles();  // the files open before the first read, to tell a drop by
  Position();
  OnWake();
  return {};
}

void JournalSource::Position() {
  std::string cursor;
  std::uint64_t usec = 0;
  if (const auto text = state_.Load(kStateKey)) {
    const auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.contains("cursor") && j["cursor"].is_string()) {
      cursor = j.value("cursor", std::string());
      usec = j.value("realtime_usec", std::uint64_t{0});
    } else {
      // Torn or foreign: start as on a first start (sources.journal.start).
      state_.SetAside(kStateKey, fmt::format("{}: saved cursor unreadable", name_));
    }
  }
  if (!cursor.empty()) {
    if (sd_journal_seek_cursor(journal_, cursor.c_str()) >= 0 && sd_journal_next(journal_) > 0 &&
        sd_journal_test_cursor(journal_, cursor.c_str()) > 0) {
      cursor_ = saved_cursor_ = cursor;
      cursor_usec_ = usec;
      const auto since = replay_from_
                             ? static_cast<std::uint64_t>(std::max<std::int64_t>(
                                   0, std::chrono::duration_cast<std::chrono::microseconds>(
                                          replay_from_->time_since_epoch())
                                          .count()))
                             : usec;
      if (since < usec && sd_journal_seek_realtime_usec(journal_, since) >= 0) {
        replaying_ = true;
        spdlog::info("{}: replaying the entries since {} up to the saved cursor", name_,
                     FormatRfc3339(*replay_from_));
        return;
      }
      spdlog::info("{}: resuming after the saved cursor", name_);
      return;
    }
    spdlog::warn(
        "{}: the saved cursor is no longer in the journal (vacuumed or rotated away); "
        "continuing at the oldest entry after {} usec since the epoch",
        name_, usec);
    sd_journal_seek_realtime_usec(journal_, usec + 1);
    return;
  }
  if (config_.start == JournalSourceConfig::Start::kHead) {
    sd_journal_seek_head(journal_);
    return;
  }
  sd_journal_seek_tail(journal_);
  // Step onto the last entry, so the next sd_journal_next returns the first new one.
  if (sd_journal_previous(journal_) > 0) {
    if (RememberCurrentEntry()) Save(false);  // a restart continues from here, not a later tail
  } else {
    sd_journal_seek_head(journal_);  // empty so far: everything that comes is new
  }
}

void JournalSource::Wait() {
  if (!running_) return;
  fd_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                  [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
                    if (ec || alive.expired() || !running_) return;
                    OnWake();
                  });
  // Some journals (no inotify, e.g. a network file system) must be looked at after a
  // timeout even without an fd event; usually there is none.
  uint64_t deadline = 0;
  if (sd_journal_get_timeout(journal_, &deadline) >= 0 && deadline != UINT64_MAX) {
    const uint64_t now = MonotonicUsec();
    const auto wait = std::chrono::microseconds(deadline > now ? deadline - now : 0);
    timeout_.expires_after(wait);
    timeout_.async_wait(
        [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
          if (ec || alive.expired() || !running_) return;
          boost::system::error_code ignored;
          fd_->cancel(ignored);  // OnWake re-arms both waits
          OnWake();
        });
  }
}

void JournalSource::OnWake() {
  if (!running_) return;
  timeout_.cancel();
  sd_journal_process(journal_);
  if (!ReadBatch()) {
    if (!read_posted_) {
      read_posted_ = true;
      boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        read_posted_ = false;
        OnWake();
      });
    }
    return;
  }
  Wait();
}

bool JournalSource::ReadBatch() {
  bool done = false;
  int n = 0;
  for (; n < kBatchEntries; ++n) {
    const int r = sd_journal_next(journal_);
    if (r < 0) {
      ++stats_.errors;
      spdlog::warn("{}: read error: {}", name_, Errno(r));
      done = true;
      break;
    }
    if (r == 0) {
      done = true;
      break;
    }
    if (replaying_) {
      // Up to and including the saved entry (or past its time, should it be gone).
      uint64_t rt = 0;
      sd_journal_get_realtime_usec(journal_, &rt);
      if (rt > cursor_usec_) {
        replaying_ = false;
      } else {
        const bool last = sd_journal_test_cursor(journal_, cursor_.c_str()) > 0;
        EmitEntry(true);
        if (last) replaying_ = false;
        continue;
      }
    }
    EmitEntry(false);
    RememberCurrentEntry();
  }
  if (n > 0) {
    Save(false);
    if (batch_done_) batch_done_();
  }
  WarnOfDroppedFiles();
  return done;
}

namespace {

// The journal files this process has open, by path.
std::set<std::string> OpenJournalFiles() {
  std::set<std::string> out;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return out;
  char target[4096];
  while (const dirent* e = ::readdir(d)) {
    const std::string link = std::string("/proc/self/fd/") + e->d_name;
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string_view t(target, static_cast<std::size_t>(n));
    if (t.ends_with(".journal") || t.ends_with(".journal~")) out.emplace(t);
  }
  ::closedir(d);
  return out;
}

}  // namespace

void JournalSource::WarnOfDroppedFiles() {
  std::uint64_t usage = 0;
  if (sd_journal_get_usage(journal_, &usage) < 0) return;
  const bool shrank = usage < usage_;
  if (usage == usage_ && !open_files_.empty()) return;
  usage_ = usage;
  std::set<std::string> now = OpenJournalFiles();
  if (shrank) {
    for (const auto& f : open_files_) {
      if (now.count(f) == 0 && ::access(f.c_str(), F_OK) == 0) {
        ++stats_.errors;
        spdlog::warn(
            "{}: journal file {} could not be read on (corrupt?) and is skipped from here; "
            "`journalctl --verify --file {}` says more",
            name_, EscapeForOutput(f), EscapeForOutput(f));
      }
    }
  }
  open_files_ = std::move(now);
}

void JournalSource::EmitEntry(bool replay) {
  bool truncated = false;
  LogRecord record = CurrentJournalRecord(journal_, line_, truncated);
  record.replay = replay;
  if (truncated) ++stats_.truncated;
  ++stats_.records;
  if (!replay && record.has_ts) stats_.last_record = record.ts;
  handler_(record);
}

SourcePosition JournalSource::Position() const {
  return {.kind = "journal",
          .path = config_.directory,
          .open = journal_ != nullptr,
          .inode = 0,
          .offset = 0,
          .cursor = cursor_};
}

bool JournalSource::RememberCurrentEntry() {
  char* c = nullptr;
  if (sd_journal_get_cursor(journal_, &c) < 0) return false;
  cursor_ = c;
  std::free(c);
  uint64_t rt = 0;
  sd_journal_get_realtime_usec(journal_, &rt);
  cursor_usec_ = rt;
  return true;
}

void JournalSource::Save(bool durable) {
  if (cursor_.empty() || (cursor_ == saved_cursor_ && !durable)) return;
  const nlohmann::json j = {{"cursor", cursor_}, {"realtime_usec", cursor_usec_}};
  if (auto r = state_.Save(kStateKey, j.dump(), durable); !r) {
    ++stats_.errors;  // the StateStore has said so once; retried after the next batch
    spdlog::debug("{}: cannot save cursor: {}", name_, r.error().message);
    return;
  }
  saved_cursor_ = cursor_;
}

void JournalSource::Stop() {
  if (running_) {
    running_ = false;
    Save(true);
  }
  boost::system::error_code ec;
  timeout_.cancel();
  if (fd_) {
    fd_->cancel(ec);
    fd_->release();  // sd_journal_close owns the fd
    fd_.reset();
  }
  if (journal_) {
    sd_journal_close(journal_);
    journal_ = nullptr;
  }
}

}  // namespace sshd_health
