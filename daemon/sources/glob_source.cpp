#include "sources/glob_source.h"

#include <fmt/format.h>
#include <glob.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/text.h"
#include "sources/file_source.h"

namespace sshd_health {
namespace {

// What makes a directory gain a match: an entry created or moved in. Deletions need no
// action here: each FileSource follows its own file's fate.
constexpr std::uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;

std::vector<std::string> Glob(const std::string& pattern, bool dirs) {
  std::vector<std::string> out;
  glob_t g{};
  // GLOB_ERR off: an unreadable directory on the way hides its matches, not the others.
  if (::glob(pattern.c_str(), dirs ? GLOB_ONLYDIR : 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat st {};
      if (::stat(g.gl_pathv[i], &st) != 0) continue;
      if (S_ISDIR(st.st_mode) == dirs) out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  return out;
}

// "/var/log/remote/*/auth.log" -> {"/var/log/remote", "/var/log/remote/*"}: the fixed
// directory, then each directory level below it as a pattern; the watches go on these.
std::vector<std::string> DirLevels(const std::string& pattern) {
  std::vector<std::string> parts;
  std::string_view rest = pattern;
  for (;;) {
    const auto slash = rest.find('/');
    parts.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  auto join = [&](std::size_t k) {  // the first k parts as a path
    if (k == 0) return std::string(".");
    std::string out = parts[0];
    for (std::size_t i = 1; i < k; ++i) out += "/" + parts[i];
    return out.empty() ? std::string("/") : out;
  };
  const std::size_t dirs = parts.size() - 1;  // the last part is the file name
  std::size_t wild = 0;
  while (wild < dirs && !IsGlobPattern(parts[wild])) ++wild;
  std::vector<std::string> levels = {join(wild)};
  for (std::size_t j = wild; j < dirs; ++j) levels.push_back(join(j + 1));
  return levels;
}

}  // namespace

bool IsGlobPattern(std::string_view path) {
  return path.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> ExpandGlob(const std::string& pattern) {
  if (!IsGlobPattern(pattern)) return {pattern};
  return Glob(pattern, false);
}

GlobSource::GlobSource(boost::asio::io_context& io, const StateStore& state, std::string pattern,
                       bool start_at_end, const Clock& clock)
    : io_(io),
      state_(state),
      clock_(clock),
      pattern_(std::move(pattern)),
      name_("files " + pattern_),
      start_at_end_(start_at_end) {}

GlobSource::~GlobSource() { Stop(); }

Result<void> GlobSource::Start(Handler handler, BatchDone batch_done) {
  handler_ = std::move(handler);
  batch_done_ = std::move(batch_done);
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0)
    return Fail(fmt::format("{}: inotify_init1: {}", name_, std::strerror(errno)));
  inotify_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, inotify_fd_);
  hub_ = std::make_unique<InotifyHub>(io_);
  if (auto r = hub_->Open(); !r) {
    Stop();
    return Fail(fmt::format("{}: {}", name_, r.error().message));
  }
  running_ = true;
  Rescan(true);
  ArmInotify();
  return {};
}

void GlobSource::Watch(const std::string& dir) {
  if (watched_.count(dir)) return;
  const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kDirEvents);
  if (wd >= 0) watched_[dir] = wd;
}

void GlobSource::Rescan(bool first) {
  const std::vector<std::string> levels = DirLevels(pattern_);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i == 0 || !IsGlobPattern(levels[i])) {
      Watch(levels[i]);
    } else {
      for (const std::string& dir : Glob(levels[i], true)) Watch(dir);
    }
  }
  // The fixed directory (/var/log/remote) missing: look again in a while, as FileSource
  // does for its directory.
  if (!watched_.count(levels[0])) ArmRetry();

  for (const std::string& path : ExpandGlob(pattern_)) {
    if (files_.count(path)) continue;
    if (files_.size() >= kMaxFiles) {
      if (!said_full_)
        spdlog::warn("{}: following {} files already; {} and later ones are not read", name_,
                     kMaxFiles, EscapeForOutput(path));
      said_full_ = true;
      break;
    }
    // A file that appears later holds only new lines: read it from its start.
    auto source =
        std::make_unique<FileSource>(io_, state_, path, first && start_at_end_, clock_, hub_.get());
    if (first && replay_from_) source->ReplayFrom(*replay_from_);
    auto r = source->Start(handler_, batch_done_);
    if (!r) {
      if (!failed_[path]) spdlog::error("{}: {}", name_, EscapeForOutput(r.error().message));
      failed_[path] = true;
      continue;
    }
    failed_.erase(path);
    if (!first) spdlog::info("{}: following new file {}", name_, EscapeForOutput(path));
    files_.emplace(path, std::move(source));
  }
}

void GlobSource::ArmInotify() {
  if (!inotify_) return;
  inotify_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !running_) return;
        // Any event means "expand again"; an overflow is handled the same way.
        alignas(inotify_event) char events[4096];
        while (::read(inotify_fd_, events, sizeof events) > 0) {
        }
        Rescan(false);
        ArmInotify();
      });
}

void GlobSource::ArmRetry() {
  if (retry_) return;
  retry_ = std::make_unique<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
  retry_->async_wait(
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || !running_) return;
        retry_.reset();
        Rescan(false);
      });
}

bool GlobSource::Replaying() const {
  return std::any_of(files_.begin(), files_.end(),
                     [](const auto& f) { return f.second->Replaying(); });
}

void GlobSource::Stop() {
  if (!running_ && inotify_fd_ < 0) return;
  running_ = false;
  for (auto& [path, source] : files_) source->Stop();
  if (hub_) hub_->Close();
  retry_.reset();
  if (inotify_) {
    boost::system::error_code ignored;
    inotify_->close(ignored);  // closes inotify_fd_
    inotify_.reset();
  } else if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
  inotify_fd_ = -1;
  watched_.clear();
}

SourceStats GlobSource::Stats() const {
  SourceStats out;
  for (const auto& [path, source] : files_) {
    const SourceStats s = source->Stats();
    out.records += s.records;
    out.truncated += s.truncated;
    out.errors += s.errors;
    out.last_record = std::max(out.last_record, s.last_record);
  }
  return out;
}

SourcePosition GlobSource::Position() const {
  return {.kind = "glob",
          .path = pattern_,
          .open = !files_.empty(),
          .inode = 0,
          .offset = 0,
          .cursor = {},
          .files = files_.size()};
}

std::vector<std::string> GlobSource::Files() const {
  std::vector<std::string> out;
  for (const auto& [path, source] : files_) out.push_back(path);
  return out;
}

}  // namespace sshd_health
