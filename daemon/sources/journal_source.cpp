#include "sources/journal_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
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
// How often a directory is looked at for journal files sd_journal missed, and the longest
// pause between tries of a file that still cannot be opened.
constexpr auto kLookInterval = std::chrono::seconds(2);
constexpr auto kMaxMissedRetry = std::chrono::minutes(5);
// A missed file is named in a warning after this many tries (journal-remote fills a new
// file within milliseconds; one still unreadable after three is not a journal file).
constexpr int kWarnAfterTries = 3;
// ReadSequence's word for files that could not be opened.
constexpr int kCannotOpen = -1'000'000;

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

// The fields of a cursor, "s=SEQNUM_ID;i=SEQNUM;b=BOOT_ID;m=MONOTONIC;t=REALTIME;x=XOR"
// (hex numbers), as libsystemd writes them.
struct CursorFields {
  std::string_view seqnum_id, boot_id;
  std::uint64_t seqnum = 0, monotonic = 0, realtime = 0, xor_hash = 0;
  bool has_seqnum = false, has_monotonic = false, has_realtime = false, has_xor = false;
};

bool ParseHex(std::string_view s, std::uint64_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

std::optional<CursorFields> ParseCursor(std::string_view cursor) {
  CursorFields f;
  while (!cursor.empty()) {
    const auto semi = cursor.find(';');
    const std::string_view item = cursor.substr(0, semi);
    cursor = semi == std::string_view::npos ? std::string_view() : cursor.substr(semi + 1);
    if (item.size() < 2 || item[1] != '=') return std::nullopt;
    const std::string_view v = item.substr(2);
    switch (item[0]) {
      case 's':
        f.seqnum_id = v;
        break;
      case 'b':
        f.boot_id = v;
        break;
      case 'i':
        f.has_seqnum = ParseHex(v, f.seqnum);
        break;
      case 'm':
        f.has_monotonic = ParseHex(v, f.monotonic);
        break;
      case 't':
        f.has_realtime = ParseHex(v, f.realtime);
        break;
      case 'x':
        f.has_xor = ParseHex(v, f.xor_hash);
        break;
      default:
        break;
    }
  }
  return f;
}

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
    : io_(io), state_(state), config_(std::move(config)), timeout_(io), look_timer_(io) {
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
  NoteOpenFiles();
  Position();
  if (!config_.directory.empty()) {
    ListFiles(/*at_start=*/true);
    sequences_changed_ = true;
    Save(false);
  }
  OnWake();
  ScheduleLook();
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
      if (j.contains("sequences") && j["sequences"].is_object()) {
        begin_ = Begin::kSaved;
        for (const auto& [id, seqnum] : j["sequences"].items())
          if (seqnum.is_number_unsigned()) saved_sequences_[id] = seqnum.get<std::uint64_t>();
      } else if (!cursor.empty()) {
        begin_ = Begin::kAtPosition;  // an earlier version's record
      }
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
      position_found_ = true;
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
    cursor_usec_ = usec;
    return;
  }
  if (begin_ == Begin::kSaved || config_.start == JournalSourceConfig::Start::kHead) {
    // (Saved sequences without a merged cursor: their positions say what was read.)
    if (begin_ != Begin::kSaved) begin_ = Begin::kHead;
    sd_journal_seek_head(journal_);
    return;
  }
  begin_ = Begin::kTail;
  sd_journal_seek_tail(journal_);
  // Step onto the last entry, so the next sd_journal_next returns the first new one.
  if (sd_journal_previous(journal_) > 0) {
    // A restart continues from here, not a later tail (with a directory, Start saves
    // once the sequences are listed too).
    if (RememberCurrentEntry() && config_.directory.empty()) Save(false);
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
  if (sequences_due_) ReadSequencesSoon();
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
        EmitEntry(journal_, true);
        if (last) replaying_ = false;
        continue;
      }
    }
    if (config_.directory.empty()) {
      EmitEntry(journal_, false);
      RememberCurrentEntry();
      continue;
    }
    char* c = nullptr;
    if (sd_journal_get_cursor(journal_, &c) < 0) {
      EmitEntry(journal_, false);  // no telling its sequence: the stream's word counts
      continue;
    }
    const std::string cursor(c);
    std::free(c);
    if (NewInSequence(cursor)) EmitEntry(journal_, false);
    cursor_ = cursor;
    sd_journal_get_realtime_usec(journal_, &cursor_usec_);
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
      if (now.count(f) == 0 && ::access(f.c_str(), F_OK) == 0 && warned_files_.insert(f).second) {
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

void JournalSource::EmitEntry(sd_journal* j, bool replay) {
  bool truncated = false;
  LogRecord record = CurrentJournalRecord(j, line_, truncated);
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
  if ((cursor_.empty() && sequences_.empty()) ||
      (cursor_ == saved_cursor_ && !sequences_changed_ && !durable))
    return;
  nlohmann::json j = {{"cursor", cursor_}, {"realtime_usec", cursor_usec_}};
  if (!config_.directory.empty()) {
    nlohmann::json sequences = nlohmann::json::object();
    for (const auto& [id, q] : sequences_) sequences[id] = q.read;
    j["sequences"] = std::move(sequences);
  }
  if (auto r = state_.Save(kStateKey, j.dump(), durable); !r) {
    ++stats_.errors;  // the StateStore has said so once; retried after the next batch
    spdlog::debug("{}: cannot save cursor: {}", name_, r.error().message);
    return;
  }
  saved_cursor_ = cursor_;
  sequences_changed_ = false;
}

void JournalSource::Stop() {
  if (running_) {
    running_ = false;
    Save(true);
  }
  look_timer_.cancel();
  CloseJournal();
}

void JournalSource::CloseJournal() {
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

namespace {

std::optional<std::pair<dev_t, ino_t>> FileIdOf(const char* path) {
  struct stat st {};
  if (::stat(path, &st) != 0) return std::nullopt;
  return std::pair{st.st_dev, st.st_ino};
}

}  // namespace

void JournalSource::NoteOpenFiles() {
  if (config_.directory.empty()) return;
  for (const std::string& path : OpenJournalFiles()) {
    if (const auto id = FileIdOf(path.c_str())) known_files_.insert(*id);
  }
}

void JournalSource::ScheduleLook() {
  if (config_.directory.empty() || !running_) return;
  look_timer_.expires_after(kLookInterval);
  look_timer_.async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !running_) return;
        LookForMissedFiles();
        ScheduleLook();
      });
}

void JournalSource::LookForMissedFiles() {
  // Not in the middle of a backlog or of the replay: their reading goes on first.
  if (read_posted_ || replaying_) return;
  if (journal_ == nullptr) {  // the last re-open failed
    Reopen();
    return;
  }
  ListFiles(/*at_start=*/false);
  if (sequences_due_) ReadSequencesSoon();
  std::set<FileId> present;
  std::map<FileId, std::string> unknown;
  for (const JournalFileInfo& f : files_) {
    present.insert(f.id);
    if (known_files_.count(f.id) == 0) unknown.emplace(f.id, f.path);
  }
  // Forget what is gone, so that a file that reuses a deleted one's inode is new.
  std::erase_if(known_files_, [&](const FileId& id) { return present.count(id) == 0; });
  std::erase_if(missed_files_, [&](const auto& m) { return present.count(m.first) == 0; });
  if (unknown.empty()) return;
  NoteOpenFiles();  // opened by sd_journal since the last look: nothing missed
  const auto now = std::chrono::steady_clock::now();
  bool due = false;
  for (auto it = unknown.begin(); it != unknown.end();) {
    if (known_files_.count(it->first)) {
      missed_files_.erase(it->first);
      it = unknown.erase(it);
      continue;
    }
    const MissedFile& m = missed_files_[it->first];
    due = due || m.next_try <= now;
    ++it;
  }
  if (unknown.empty() || !due) return;
  spdlog::debug("{}: {} journal file(s) not opened yet, e.g. {}; opening the journal again", name_,
                unknown.size(), EscapeForOutput(unknown.begin()->second));
  if (!Reopen()) return;
  for (const auto& [id, file] : unknown) {
    if (known_files_.count(id)) {
      missed_files_.erase(id);
      continue;
    }
    MissedFile& m = missed_files_[id];
    ++m.tries;
    const auto pause = std::min<std::chrono::steady_clock::duration>(
        kLookInterval * (1 << std::min(m.tries, 10)), kMaxMissedRetry);
    m.next_try = now + pause;
    if (m.tries == kWarnAfterTries) {
      ++stats_.errors;
      spdlog::warn(
          "{}: journal file {} cannot be opened (not a journal file, or no header yet); "
          "trying again now and then; `journalctl --verify --file {}` says more",
          name_, EscapeForOutput(file), EscapeForOutput(file));
    }
  }
}

bool JournalSource::Reopen() {
  const std::set<FileId> before = known_files_;
  CloseJournal();
  if (auto r = Open(); !r) {
    ++stats_.errors;
    spdlog::warn("{}", r.error().message);
    CloseJournal();
    return false;  // tried again at the next look; until then nothing is read
  }
  // The merged stream continues right after the position, as at a restart.
  if (!cursor_.empty()) {
    if (!(sd_journal_seek_cursor(journal_, cursor_.c_str()) >= 0 && sd_journal_next(journal_) > 0 &&
          sd_journal_test_cursor(journal_, cursor_.c_str()) > 0)) {
      spdlog::warn(
          "{}: re-opened, the position is no longer in the journal; continuing at the "
          "oldest entry after {} usec since the epoch",
          name_, cursor_usec_);
      sd_journal_seek_realtime_usec(journal_, cursor_usec_ + 1);
    }
  } else {
    sd_journal_seek_head(journal_);  // nothing read yet: everything is new
  }
  // The files opened now for the first time: their entries that sort before the
  // position, which the merged stream passes over, are read with their sequences
  // (ReadSequences, listed by the look that led here).
  std::size_t fresh = 0;
  for (const std::string& path : OpenJournalFiles()) {
    const auto id = FileIdOf(path.c_str());
    if (!id) continue;
    known_files_.insert(*id);
    fresh += before.count(*id) == 0;
  }
  spdlog::info("{}: re-opened with {} journal file(s) it had missed", name_, fresh);
  usage_ = 0;  // WarnOfDroppedFiles starts again from the files open now
  open_files_.clear();
  WarnOfDroppedFiles();
  OnWake();
  return true;
}

namespace {

// `paths` (null-terminated) alone, restricted to sshd's entries.
SdJournalPtr OpenFilesAlone(std::vector<const char*> paths) {  // a copy: the API wants it mutable
  sd_journal* raw = nullptr;
  if (sd_journal_open_files(&raw, paths.data(), 0) < 0) return nullptr;
  AddSshdJournalMatches(raw);
  return SdJournalPtr(raw);
}

// The current entry's sequence and number, from its cursor.
bool CurrentSeqnum(sd_journal* j, std::string& seqnum_id, std::uint64_t& seqnum) {
  char* c = nullptr;
  if (sd_journal_get_cursor(j, &c) < 0) return false;
  const auto f = ParseCursor(c);
  const bool ok = f && f->has_seqnum && !f->seqnum_id.empty();
  if (ok) {
    seqnum_id.assign(f->seqnum_id);
    seqnum = f->seqnum;
  }
  std::free(c);
  return ok;
}

// The directory's files with a header, by sequence: their paths (null-terminated, as
// sd_journal_open_files wants them) and the newest entry's number.
struct SequenceFiles {
  std::vector<const char*> paths;
  std::uint64_t tail = 0;
};
std::map<std::string, SequenceFiles> BySequence(const std::vector<JournalFileInfo>& files) {
  std::map<std::string, SequenceFiles> out;
  for (const JournalFileInfo& f : files) {
    if (!f.has_header) continue;
    SequenceFiles& s = out[f.seqnum_id];
    s.paths.push_back(f.path.c_str());
    s.tail = std::max(s.tail, f.tail_seqnum);
  }
  for (auto& [id, s] : out) s.paths.push_back(nullptr);
  return out;
}

}  // namespace

void JournalSource::ListFiles(bool at_start) {
  files_ = ListJournalFiles(config_.directory);
  const auto by_sequence = BySequence(files_);
  // A sequence whose files are all gone (vacuumed) has nothing left to read: forgotten,
  // so the record stays as large as the directory's machines.
  const std::size_t before = sequences_.size();
  std::erase_if(sequences_, [&](const auto& q) {
    return !q.second.unlisted && by_sequence.count(q.first) == 0;
  });
  sequences_changed_ = sequences_changed_ || sequences_.size() != before;
  for (const auto& [id, files] : by_sequence) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) {
      Sequence q;
      if (at_start) {
        q.read = StartOfSequence(id, files.paths);
      } else {
        q.pending = true;  // appeared while running: read whole, first entry first
      }
      it = sequences_.emplace(id, q).first;
      sequences_changed_ = true;
    }
    const Sequence& q = it->second;
    if (q.pending || q.recheck || files.tail > std::max(q.read, q.looked)) sequences_due_ = true;
  }
}

std::uint64_t JournalSource::StartOfSequence(const std::string& seqnum_id,
                                             const std::vector<const char*>& paths) {
  switch (begin_) {
    case Begin::kHead:
      return 0;
    case Begin::kSaved: {
      // Not in the record: it appeared while the daemon was stopped.
      const auto it = saved_sequences_.find(seqnum_id);
      return it == saved_sequences_.end() ? 0 : it->second;
    }
    case Begin::kTail:
    case Begin::kAtPosition:
      break;
  }
  // The sequence's last entry at or before the merged position (the tail: its last one).
  const auto own = ParseCursor(cursor_);
  if (begin_ == Begin::kAtPosition && position_found_ && own && own->seqnum_id == seqnum_id &&
      own->has_seqnum)
    return own->seqnum;
  SdJournalPtr alone = OpenFilesAlone(paths);
  if (!alone) return 0;
  if (begin_ == Begin::kTail) {
    sd_journal_seek_tail(alone.get());
  } else if (position_found_) {
    sd_journal_seek_cursor(alone.get(), cursor_.c_str());
  } else {
    sd_journal_seek_realtime_usec(alone.get(), cursor_usec_ + 1);
  }
  std::string id;
  std::uint64_t seqnum = 0;
  const int pr = sd_journal_previous(alone.get());
  const bool got = pr > 0 && CurrentSeqnum(alone.get(), id, seqnum);
  fflush(stderr);
  if (got && id == seqnum_id) return seqnum;
  return 0;
}

bool JournalSource::NewInSequence(std::string_view cursor) {
  const auto f = ParseCursor(cursor);
  if (!f || !f->has_seqnum || f->seqnum_id.empty()) return true;
  auto it = sequences_.find(f->seqnum_id);
  if (it == sequences_.end()) {
    // A file that appeared since the last look: its sequence is read whole, from its
    // first entry, by ReadSequences. One the listing does not find (not where
    // sd_journal_open_directory looks, as we know it) is followed by the stream alone.
    ListFiles(/*at_start=*/false);
    it = sequences_.find(f->seqnum_id);
    if (it == sequences_.end()) {
      sequences_.emplace(std::string(f->seqnum_id), Sequence{.read = f->seqnum, .unlisted = true});
      sequences_changed_ = true;
      return true;
    }
  }
  Sequence& q = it->second;
  if (q.pending || f->seqnum <= q.read) return false;
  if (f->seqnum == q.read + 1 || q.unlisted) {
    q.read = f->seqnum;
    sequences_changed_ = true;
    return true;
  }
  // A gap in the machine's numbers: what is in between (other programs' entries, or
  // late ones of sshd the merge passed over, as it can within one upload) is read from
  // the machine's files first, in order, and this entry with it; should it not get that
  // far, ReadSequences does.
  const auto by_sequence = BySequence(files_);
  if (const auto files = by_sequence.find(it->first); files != by_sequence.end()) {
    int r = 0;
    ReadSequence(it->first, q, files->second.paths, kBatchEntries, r);
  }
  if (f->seqnum > q.read) sequences_due_ = true;
  return false;
}

void JournalSource::ReadSequencesSoon() {
  if (sequences_posted_) return;
  sequences_posted_ = true;
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    sequences_posted_ = false;
    if (running_ && !ReadSequences()) ReadSequencesSoon();
  });
}

int JournalSource::ReadSequence(const std::string& id, Sequence& q,
                                const std::vector<const char*>& paths, int budget, int& r) {
  SdJournalPtr alone = OpenFilesAlone(paths);
  if (!alone) {
    r = kCannotOpen;
    return 0;
  }
  // Right after the sequence's last entry handed on: by number within the sequence.
  if (q.read == 0) {
    sd_journal_seek_head(alone.get());
  } else {
    sd_journal_seek_cursor(alone.get(), fmt::format("s={};i={:x}", id, q.read).c_str());
  }
  int n = 0;
  r = 0;
  while (n < budget && (r = sd_journal_next(alone.get())) > 0) {
    std::string entry_id;
    std::uint64_t seqnum = 0;
    if (!CurrentSeqnum(alone.get(), entry_id, seqnum) || entry_id != id || seqnum <= q.read)
      continue;
    EmitEntry(alone.get(), false);
    q.read = seqnum;
    sequences_changed_ = true;
    ++n;
  }
  return n;
}

bool JournalSource::ReadSequences() {
  // The replay goes first; the look after it comes back here.
  if (replaying_) return true;
  sequences_due_ = false;
  int budget = kBatchEntries;
  int n = 0;
  for (const auto& [id, files] : BySequence(files_)) {
    const auto it = sequences_.find(id);
    if (it == sequences_.end()) continue;
    Sequence& q = it->second;
    if (!q.pending && !q.recheck && files.tail <= std::max(q.read, q.looked)) continue;
    if (budget == 0) {
      sequences_due_ = true;
      break;
    }
    int r = 0;
    const int got = ReadSequence(id, q, files.paths, budget, r);
    budget -= got;
    n += got;
    if (r == kCannotOpen) {
      q.looked = files.tail;  // tried again when it grows
      q.recheck = false;
      continue;
    }
    if (r > 0) {
      sequences_due_ = true;  // the budget ran out in this sequence
      break;
    }
    if (r < 0) {
      ++stats_.errors;
      spdlog::debug("{}: read error in sequence {}: {}", name_, id, Errno(r));
    }
    // The writer numbers an entry in the header before the entry can be found, so a
    // new number is read once more at the next look, when what it numbered is there.
    q.recheck = files.tail != q.looked;
    q.looked = files.tail;
    q.pending = false;
  }
  if (n > 0) {
    spdlog::debug("{}: {} entries read by their machine's sequence", name_, n);
    Save(false);
    if (batch_done_) batch_done_();
  }
  return !sequences_due_;
}

}  // namespace sshd_health
