#pragma once
// GlobSource: the syslog files matching a pattern (`/var/log/remote/*/auth.log`,
// `/var/log/hosts/*.log`), the layout a central log host's rsyslog or syslog-ng writes:
// one file per forwarding host. Each match is followed by its own FileSource (its own
// position, saved under its own path, rotation handled as for one file). Files and
// directories that appear later are picked up: inotify watches the pattern's fixed
// directory and every directory matching its wildcard directory parts, and any change
// there re-expands the pattern. The files' sources share one inotify instance
// (InotifyHub), so a fleet of files costs two instances, not one per file.
//
// A file that could not be started is said once and tried again at the next change in
// its directory. At most kMaxFiles files are followed (and fs.inotify.max_user_watches,
// about two watches per file, must allow them).
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/state_store.h"
#include "sources/inotify_hub.h"
#include "sources/log_source.h"

namespace sshd_health {

/// True when `path` holds a glob(7) metacharacter (`*`, `?`, `[`).
bool IsGlobPattern(std::string_view path);

/// The existing files matching `pattern`, sorted; a pattern without metacharacters is
/// itself (whether it exists or not). Directories are not matches.
std::vector<std::string> ExpandGlob(const std::string& pattern);

class GlobSource final : public LogSource {
 public:
  static constexpr std::size_t kMaxFiles = 10'000;

  /// `start_at_end` applies to the files matching at the first start (no saved
  /// position); a file appearing later is read from its start. `io`, `state` and `clock`
  /// must outlive the source.
  GlobSource(boost::asio::io_context& io, const StateStore& state, std::string pattern,
             bool start_at_end, const Clock& clock);
  ~GlobSource() override;
  GlobSource(const GlobSource&) = delete;
  GlobSource& operator=(const GlobSource&) = delete;

  const std::string& Name() const override { return name_; }
  Result<void> Start(Handler handler, BatchDone batch_done) override;
  void ReplayFrom(TimePoint since) override { replay_from_ = since; }
  bool Replaying() const override;
  void Stop() override;
  SourceStats Stats() const override;
  /// The pattern and how many files match; each file's own position is its FileSource's.
  SourcePosition Position() const override;

  /// The files followed now (for tests and STATUS).
  std::vector<std::string> Files() const;

 private:
  // Expands the pattern, watches the directories that may gain matches, and starts a
  // FileSource for every new file. `first`: the start (start_at_end and replay apply).
  void Rescan(bool first);
  void Watch(const std::string& dir);
  void ArmInotify();
  void ArmRetry();

  boost::asio::io_context& io_;
  const StateStore& state_;
  const Clock& clock_;
  std::string pattern_;
  std::string name_;
  bool start_at_end_;
  std::optional<TimePoint> replay_from_;
  Handler handler_;
  BatchDone batch_done_;
  int inotify_fd_ = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::unique_ptr<boost::asio::steady_timer> retry_;  // while the fixed directory is missing
  std::map<std::string, int> watched_;                // directory -> watch
  // Declared before files_: the files' watches are in it, so it goes after them.
  std::unique_ptr<InotifyHub> hub_;
  std::map<std::string, std::unique_ptr<LogSource>> files_;
  std::map<std::string, bool> failed_;  // files whose start failed (said once)
  bool running_ = false;
  bool said_full_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sshd_health
