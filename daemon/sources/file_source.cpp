#include "sources/file_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/time_format.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

// Bytes read per turn of the event loop; a backlog is read in several turns so signals
// and timers still run while a large file is caught up.
constexpr std::size_t kBatchBudget = 4 * 1024 * 1024;

constexpr uint32_t kFileEvents = IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF;
// IN_ATTRIB: a file made readable again (chmod) is opened at once. IN_MOVE_SELF: the
// directory renamed away; its path is watched afresh (IN_IGNORED, always delivered, says a
// deleted directory's watch is gone).
constexpr uint32_t kDirEvents =
    IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_MOVE_SELF | IN_ONLYDIR;

// How often a missing directory is looked for: inotify cannot watch a path that does not
// exist, and watching every ancestor for its re-creation is more machinery than a
// once-a-second stat while the directory is gone (only then).
constexpr auto kMissingDirRetry = std::chrono::seconds(1);

bool StatPath(const std::string& path, struct stat& st) {
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

FileSource::FileSource(boost::asio::io_context& io, const StateStore& state, std::string path,
                       bool start_at_end, const Clock& clock, InotifyHub* hub)
    : io_(io),
      state_(state),
      clock_(clock),
      syslog_context_{clock.Now()},
      path_(std::move(path)),
      start_at_end_(start_at_end),
      hub_(hub) {
  const auto slash = path_.find_last_of('/');
  dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  base_ = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  name_ = "file " + path_;
  state_key_ = StateStore::KeyForPath("file", path_);
}

FileSource::~FileSource() {
  *alive_ = false;
  Stop();
}

Result<void> FileSource::Start(Handler handler, BatchDone batch_done) {
  handler_ = std::move(handler);
  batch_done_ = std::move(batch_done);
  if (!hub_) {
    inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0)
      return Fail(fmt::format("{}: inotify_init1: {}", name_, std::strerror(errno)));
  }
  WatchDir();
  // A directory that is not there yet (a log directory created later, or being
  // re-created) is waited for; any other reason is one an admin must fix.
  if (dir_wd_ < 0 && errno != ENOENT && errno != ENOTDIR) {
    const std::string err =
        fmt::format("{}: cannot watch directory {}: {}", name_, dir_, std::strerror(errno));
    if (hub_) {
      hub_->Forget(this);
    } else {
      ::close(inotify_fd_);
      inotify_fd_ = -1;
    }
    return Fail(err);
  }
  if (!hub_) inotify_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, inotify_fd_);
  dir_timer_ = std::make_unique<boost::asio::steady_timer>(io_);
  running_ = true;
  LoadPosition();
  if (dir_wd_ < 0) {
    spdlog::warn("{}: directory {} does not exist; waiting for it", name_, dir_);
    ArmDirRetry();
  } else if (current_.fd < 0) {
    spdlog::info("{}: waiting for the file to appear", name_);
  }
  ArmInotify();
  Check();
  return {};
}

void FileSource::LoadPosition() {
  struct stat st {};
  const bool exists = StatPath(path_, st);
  std::optional<nlohmann::json> saved;
  if (const auto text = state_.Load(state_key_)) {
    saved = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (saved->is_discarded() || !saved->is_object() || !saved->contains("ino") ||
        !saved->contains("offset")) {
      // Torn or foreign: not a position to resume from. Starting as on a first start
      // (sources' start: head or tail) is the best left; the file is kept to look at.
      state_.SetAside(state_key_, fmt::format("{}: saved position unreadable", name_));
      saved.reset();
    }
  }
  if (!saved) {
    // First start: tail (skip what is there) or head, as sources.journal.start says.
    if (exists && OpenAtPath(current_, 0) && start_at_end_) {
      current_.offset = current_.read_pos = static_cast<off_t>(st.st_size);
    }
    return;
  }
  const auto dev = saved->value("dev", std::uint64_t{0});
  const auto ino = saved->value("ino", std::uint64_t{0});
  const auto offset = static_cast<off_t>(saved->value("offset", std::int64_t{0}));
  if (exists && st.st_dev == dev && st.st_ino == ino) {
    if (OpenAtPath(current_, 0)) {
      // Shorter than where we stopped: truncated while we were down.
      const off_t start = st.st_size >= offset ? offset : 0;
      current_.offset = current_.read_pos = start;
      StartReplay(current_, "");
      // The window reaches back past this file's start: the rotated one first.
      struct stat rst {};
      const std::string rotated = path_ + ".1";
      if (replay_from_ && current_.offset == 0 && start > 0 && StatPath(rotated, rst)) {
        const int fd = ::open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
          old_.fd = fd;
          old_.dev = rst.st_dev;
          old_.ino = rst.st_ino;
          old_.offset = old_.read_pos = old_.replay_end = static_cast<off_t>(rst.st_size);
          StartReplay(old_, " (.1)");
          if (old_.offset == old_.replay_end) Close(old_);
        }
      }
    }
    return;
  }
  // Rotated while we were down: finish the rotated file first when it is ours.
  struct stat rst {};
  const std::string rotated = path_ + ".1";
  if (StatPath(rotated, rst) && rst.st_dev == dev && rst.st_ino == ino) {
    const int fd = ::open(rotated.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      old_.fd = fd;
      old_.dev = rst.st_dev;
      old_.ino = rst.st_ino;
      old_.offset = old_.read_pos = rst.st_size >= offset ? offset : 0;
      spdlog::info("{}: rotated while stopped; finishing {} first", name_, rotated);
      StartReplay(old_, " (.1)");
    }
  } else {
    spdlog::info("{}: file replaced while stopped; reading the new one from its start", name_);
  }
  if (exists) OpenAtPath(current_, 0);
}

void FileSource::StartReplay(OpenFile& f, const char* what) {
  if (!replay_from_ || f.offset == 0) return;
  const off_t saved = f.offset;
  const off_t from =
      std::max(OffsetOfTime(f.fd, *replay_from_), saved - std::min(saved, kMaxReplayBytes));
  if (from >= saved) return;
  f.replay_end = saved;
  f.offset = f.read_pos = from;
  f.lines.Clear();
  f.tail.clear();
  spdlog::info("{}{}: replaying {} bytes before the saved position (from {})", name_, what,
               saved - from, FormatRfc3339(*replay_from_));
}

off_t FileSource::OffsetOfTime(int fd, TimePoint since) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  // The time of the first line that starts at or after `at`, and where that line starts;
  // nullopt past the end. Lines without a time are stepped over (up to a few).
  char buf[8192];
  const auto line_after = [&](off_t at, off_t& line_start) -> std::optional<TimePoint> {
    off_t pos = at;
    bool skip_partial = at > 0;
    for (int tries = 0; tries < 16 && pos < st.st_size; ++tries) {
      const ssize_t n = ::pread(fd, buf, sizeof buf, pos);
      if (n <= 0) return std::nullopt;
      std::string_view chunk(buf, static_cast<std::size_t>(n));
      std::size_t begin = 0;
      if (skip_partial) {
        const auto nl = chunk.find('\n');
        if (nl == std::string_view::npos) {
          pos += n;
          continue;
        }
        begin = nl + 1;
        skip_partial = false;
      }
      const auto nl = chunk.find('\n', begin);
      if (nl == std::string_view::npos && pos + n < st.st_size) {
        pos += static_cast<off_t>(begin);
        if (begin == 0) return std::nullopt;  // a line longer than the buffer: give up here
        continue;
      }
      const std::string_view line =
          chunk.substr(begin, nl == std::string_view::npos ? chunk.size() - begin : nl - begin);
      const LogRecord r = RecordFromLine(line, syslog_context_);
      if (r.has_ts) {
        line_start = pos + static_cast<off_t>(begin);
        return r.ts;
      }
      pos += static_cast<off_t>(nl == std::string_view::npos ? chunk.size() : nl + 1);
    }
    return std::nullopt;
  };
  // Binary search on byte offsets: syslog files are written in time order.
  off_t lo = 0, hi = static_cast<off_t>(st.st_size);
  off_t start = 0;
  const auto first = line_after(0, start);
  if (!first) return 0;  // no timestamps to go by: the byte bound applies
  if (*first >= since) return start;
  while (hi - lo > static_cast<off_t>(sizeof buf)) {
    const off_t mid = lo + (hi - lo) / 2;
    off_t at = 0;
    const auto t = line_after(mid, at);
    if (t && *t < since) {
      lo = at;
    } else {
      hi = mid;
    }
  }
  // From `lo` (a line start before `since`), step line by line.
  off_t pos = lo;
  while (pos < st.st_size) {
    off_t at = 0;
    const auto t = line_after(pos, at);
    if (!t) return static_cast<off_t>(st.st_size);
    if (*t >= since) return at;
    pos = at + 1;
  }
  return static_cast<off_t>(st.st_size);
}

bool FileSource::Replaying() const {
  return (old_.fd >= 0 && old_.offset < old_.replay_end) ||
         (current_.fd >= 0 && current_.offset < current_.replay_end);
}

bool FileSource::OpenAtPath(OpenFile& f, off_t offset) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    // Said once per cause (every write to the directory would repeat it); the change of
    // mode that makes it readable wakes us (IN_ATTRIB) and it is read from its start.
    if (errno != ENOENT && errno != open_errno_) {
      ++stats_.errors;
      spdlog::warn("{}: cannot open: {}; reading it once it can be opened", name_,
                   std::strerror(errno));
    }
    open_errno_ = errno == ENOENT ? 0 : errno;
    return false;
  }
  if (open_errno_ != 0) {
    spdlog::info("{}: can be opened again; reading it", name_);
    open_errno_ = 0;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  f = OpenFile{};
  f.fd = fd;
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.offset = f.read_pos = offset;
  WatchFile(f);
  return true;
}

void FileSource::WatchFile(OpenFile& f) {
  if ((inotify_fd_ < 0 && !hub_) || f.fd < 0) return;
  // Watching /proc/self/fd/N watches exactly the inode we opened, with no window in
  // which the path could already name a different file.
  const std::string proc = fmt::format("/proc/self/fd/{}", f.fd);
  f.wd = AddWatch(proc, kFileEvents);
  if (f.wd < 0) f.wd = AddWatch(path_, kFileEvents);
}

int FileSource::AddWatch(const std::string& path, std::uint32_t mask) {
  if (hub_) return hub_->Add(path, mask, this);
  return ::inotify_add_watch(inotify_fd_, path.c_str(), mask);
}

void FileSource::RemoveWatch(int wd) {
  if (wd < 0) return;
  if (hub_) {
    hub_->Remove(wd, this);
  } else if (inotify_fd_ >= 0) {
    ::inotify_rm_watch(inotify_fd_, wd);
  }
}

void FileSource::OnInotify(const inotify_event& e) {
  // Only the directory's own watch going away matters; any other event means "look again".
  if (dir_wd_ >= 0 && e.wd == dir_wd_ && (e.mask & (IN_IGNORED | IN_MOVE_SELF)) != 0)
    dir_lost_ = true;
}

void FileSource::OnInotifyDone() {
  if (!running_) return;
  if (dir_lost_) {
    dir_lost_ = false;
    LoseDir();
  }
  Check();
}

void FileSource::ArmInotify() {
  if (!inotify_) return;
  inotify_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !running_) return;
        DrainInotify();
        Check();
        ArmInotify();
      });
}

void FileSource::DrainInotify() {
  // Any event on our watches means "look again"; Check works out what changed, so the
  // events themselves need no interpretation (an overflow is handled the same way).
  // Only the directory's own watch going away matters here.
  alignas(inotify_event) char events[4096];
  ssize_t n;
  while ((n = ::read(inotify_fd_, events, sizeof events)) > 0) {
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(events + at);
      OnInotify(*e);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  if (dir_lost_) {
    dir_lost_ = false;
    LoseDir();
  }
}

void FileSource::LoseDir() {
  // IN_MOVE_SELF leaves the watch on the moved directory; the path is what we follow.
  RemoveWatch(dir_wd_);
  dir_wd_ = -1;
  if (WatchDir()) {
    spdlog::info("{}: directory {} was replaced; watching the new one", name_, dir_);
    return;
  }
  spdlog::warn("{}: directory {} is gone; waiting for it to come back", name_, dir_);
  ArmDirRetry();
}

bool FileSource::WatchDir() {
  dir_wd_ = AddWatch(dir_, kDirEvents);
  struct stat st {};
  if (dir_wd_ >= 0 && ::stat(dir_.c_str(), &st) == 0) {
    dir_dev_ = st.st_dev;
    dir_ino_ = st.st_ino;
  }
  return dir_wd_ >= 0;
}

void FileSource::ArmDirRetry() {
  if (!dir_timer_) return;
  dir_timer_->expires_after(kMissingDirRetry);
  dir_timer_->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !running_ || dir_wd_ >= 0) return;
        if (!WatchDir()) {
          ArmDirRetry();
          return;
        }
        spdlog::info("{}: directory {} is there again", name_, dir_);
        Check();
      });
}

void FileSource::RefreshSyslogContext() {
  // A reference up to an hour old places today's lines as well as now does: it only
  // decides the year, and a line is taken for last year's only when it lies more than a
  // day after the reference. A clock stepped back is followed at once.
  using std::chrono::floor;
  using std::chrono::hours;
  const TimePoint now = clock_.Now();
  if (now < syslog_context_.reference ||
      floor<hours>(now) != floor<hours>(syslog_context_.reference)) {
    syslog_context_.reference = now;
  }
}

void FileSource::Check() {
  if (!running_) return;
  RefreshSyslogContext();
  const std::uint64_t records_before = stats_.records;
  Rotate();
  std::size_t budget = kBatchBudget;
  bool done = true;
  if (old_.fd >= 0) {
    done = Read(old_, budget);
    struct stat st {};
    // The writer has moved on once the new file has data: the old one is complete.
    if (done && current_.fd >= 0 && ::fstat(current_.fd, &st) == 0 && st.st_size > 0) Finish(old_);
  }
  if (done && current_.fd >= 0) {
    if (Truncated(current_)) {
      spdlog::info(
          "{}: file truncated below the {} bytes read (copytruncate); reading from its "
          "start",
          name_, current_.read_pos);
      current_.offset = current_.read_pos = 0;
      current_.lines.Clear();
      current_.tail.clear();
    }
    done = Read(current_, budget);
  }
  Save(false);
  if (batch_done_ && stats_.records != records_before) batch_done_();
  if (!done && !check_posted_) {
    check_posted_ = true;
    boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (alive.expired()) return;
      check_posted_ = false;
      Check();
    });
  }
}

void FileSource::Rotate() {
  struct stat st {};
  const bool exists = StatPath(path_, st);
  if (current_.fd < 0) {
    if (exists && OpenAtPath(current_, 0))
      spdlog::info("{}: file appeared; reading it from its start", name_);
    return;
  }
  if (!exists) {
    // A deleted directory sends no IN_DELETE_SELF while the file we hold open in it pins
    // it: when the file is gone, look at the directory itself.
    struct stat dst {};
    if (dir_wd_ >= 0 &&
        (::stat(dir_.c_str(), &dst) != 0 || dst.st_dev != dir_dev_ || dst.st_ino != dir_ino_)) {
      LoseDir();
    }
    return;
  }
  if (st.st_dev == current_.dev && st.st_ino == current_.ino) return;
  // Another file is at the path (rename-and-create, or delete and re-create). Keep ours
  // open as old_ until the writer has switched; an older old_ is finished now.
  if (old_.fd >= 0) Finish(old_);
  std::size_t budget = SIZE_MAX;
  Read(current_, budget);
  old_ = std::move(current_);
  current_ = OpenFile{};
  if (OpenAtPath(current_, 0)) spdlog::info("{}: rotated; following the new file", name_);
}

bool FileSource::Truncated(const OpenFile& f) {
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return false;
  if (st.st_size < f.read_pos) return true;
  if (f.tail.empty()) return false;
  char buf[kTailKept];
  const ssize_t n =
      ::pread(f.fd, buf, f.tail.size(), f.read_pos - static_cast<off_t>(f.tail.size()));
  return n != static_cast<ssize_t>(f.tail.size()) || std::string_view(buf, f.tail.size()) != f.tail;
}

bool FileSource::Read(OpenFile& f, std::size_t& budget) {
  while (budget > 0) {
    const std::span<char> space = f.lines.Space();
    const std::size_t want = std::min(space.size(), budget);
    const ssize_t n = ::pread(f.fd, space.data(), want, f.read_pos);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ++stats_.errors;
      spdlog::warn("{}: read error: {}", name_, std::strerror(errno));
      return true;
    }
    if (n == 0) return true;
    budget -= static_cast<std::size_t>(n);
    const std::size_t got = static_cast<std::size_t>(n);
    if (got >= kTailKept) {
      f.tail.assign(space.data() + got - kTailKept, kTailKept);
    } else {
      f.tail.append(space.data(), got);
      if (f.tail.size() > kTailKept) f.tail.erase(0, f.tail.size() - kTailKept);
    }
    f.lines.Commit(got);
    f.read_pos += static_cast<off_t>(n);
    Drain(f, false);
  }
  return false;
}

void FileSource::Drain(OpenFile& f, bool at_end) {
  const std::uint64_t truncated_before = f.lines.truncated();
  std::string_view line;
  // A line is a replay when it ends at or before the saved position.
  while (f.lines.Next(line))
    Emit(line, f.read_pos - static_cast<off_t>(f.lines.held()) <= f.replay_end);
  if (at_end && f.lines.TakeRest(line)) Emit(line, f.read_pos <= f.replay_end);
  stats_.truncated += f.lines.truncated() - truncated_before;
  f.offset = f.read_pos - static_cast<off_t>(f.lines.held());
}

void FileSource::Emit(std::string_view line, bool replay) {
  ++stats_.records;
  LogRecord record = RecordFromLine(line, syslog_context_);
  record.replay = replay;
  if (!replay && record.has_ts) stats_.last_record = record.ts;
  handler_(record);
}

SourcePosition FileSource::Position() const {
  // Mid-replay the position is still the one saved before (as Save writes it).
  return {.kind = "file",
          .path = path_,
          .open = current_.fd >= 0,
          .inode = static_cast<std::uint64_t>(current_.ino),
          .offset = static_cast<std::int64_t>(std::max(current_.offset, current_.replay_end)),
          .cursor = {}};
}

void FileSource::Finish(OpenFile& f) {
  std::size_t budget = SIZE_MAX;
  Read(f, budget);
  // The file is complete: a last line without its newline will never get one.
  Drain(f, true);
  Close(f);
}

void FileSource::Close(OpenFile& f) {
  RemoveWatch(f.wd);
  if (f.fd >= 0) ::close(f.fd);
  f = OpenFile{};
}

void FileSource::Save(bool durable) {
  if (current_.fd < 0) return;  // nothing new to remember
  nlohmann::json j = {
      {"path", path_},
      {"dev", static_cast<std::uint64_t>(current_.dev)},
      {"ino", static_cast<std::uint64_t>(current_.ino)},
      // Mid-replay, the position is still the one saved before.
      {"offset", static_cast<std::int64_t>(std::max(current_.offset, current_.replay_end))}};
  std::string text = j.dump();
  if (text == saved_ && !durable) return;
  if (auto r = state_.Save(state_key_, text, durable); !r) {
    ++stats_.errors;  // the StateStore has said so once; retried after the next batch
    spdlog::debug("{}: cannot save position: {}", name_, r.error().message);
    return;
  }
  saved_ = std::move(text);
}

void FileSource::Stop() {
  if (!running_) return;
  running_ = false;
  // What a rotated file still holds is read now; its position is not saved separately.
  if (old_.fd >= 0) {
    std::size_t budget = SIZE_MAX;
    Read(old_, budget);
  }
  Save(true);
  Close(old_);
  Close(current_);
  if (dir_timer_) dir_timer_->cancel();
  if (hub_) hub_->Forget(this);  // the directory's watch, shared with other sources
  if (inotify_) {
    boost::system::error_code ec;
    inotify_->cancel(ec);
    inotify_->close(ec);  // closes inotify_fd_
    inotify_.reset();
  } else if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
  inotify_fd_ = -1;
}

}  // namespace sshd_health
