#pragma once
// FileSource: follows a syslog text file (/var/log/auth.log, /var/log/secure) the way
// `tail -F` does, with inotify on the file and on its directory, and no polling.
//
// It survives every way logrotate and admins replace a log:
//  - rename and create: the old file (still open) is read to its end and kept open until
//    the writer puts data into the new one, then closed;
//  - copytruncate: the file shrinks below what was read, or holds other bytes where the
//    last ones read were (truncated and written past that again before we looked);
//    reading starts again at 0;
//  - a file missing at start, deleted, or re-created: the directory watch sees it appear;
//  - a directory missing at start, deleted or renamed away: looked for once a second until
//    it is there again, then as above;
//  - a file that cannot be opened (EACCES): said once, opened when its mode changes;
//  - a partial last line: held until its newline (bounded by kMaxRecordLine, in the
//    LineBuffer that also splits scan's input).
// Position (device, inode, offset of the last complete line) is saved in the StateStore
// after every batch. On restart it resumes there; when the inode changed while it was
// down, it first finishes the rotated file (PATH.1) if that is the saved inode, then reads
// the new file from 0.
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/state_store.h"
#include "sources/inotify_hub.h"
#include "sources/line_buffer.h"
#include "sources/log_source.h"
#include "sources/syslog_time.h"  // SyslogContext

namespace sshd_health {

class FileSource final : public LogSource, private InotifyHub::Listener {
 public:
  /// `start_at_end`: on the first start (no saved position) skip what the file holds
  /// already. `clock` is what year-less syslog timestamps are resolved against. `io`,
  /// `state` and `clock` must outlive the source. `hub`: an inotify instance shared with
  /// other sources (a GlobSource's files), which must outlive this source; null: the
  /// source opens its own.
  FileSource(boost::asio::io_context& io, const StateStore& state, std::string path,
             bool start_at_end, const Clock& clock, InotifyHub* hub = nullptr);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& Name() const override { return name_; }
  Result<void> Start(Handler handler, BatchDone batch_done) override;
  void ReplayFrom(TimePoint since) override { replay_from_ = since; }
  bool Replaying() const override;
  void Stop() override;

  /// Replays are read from at most this many bytes before the saved position of a file
  /// (a log without timestamps, or a clock gone wrong, cannot make start-up unbounded).
  static constexpr off_t kMaxReplayBytes = off_t{1} << 30;
  SourceStats Stats() const override { return stats_; }
  SourcePosition Position() const override;

 private:
  // Bytes read per pread(2).
  static constexpr std::size_t kReadChunk = 64 * 1024;

  // One open file: the one at the path, or a rotated one being finished.
  struct OpenFile {
    int fd = -1;
    int wd = -1;  // inotify watch on this file
    dev_t dev = 0;
    ino_t ino = 0;
    off_t offset = 0;      // end of the last complete line handed on (what we save)
    off_t read_pos = 0;    // how far we have read (offset + the held partial line)
    off_t replay_end = 0;  // lines ending at or before this were handed on in an earlier run
    LineBuffer lines{kMaxRecordLine, kReadChunk};  // what was read, split into lines
    // The last bytes read (up to kTailKept, ending at read_pos): a file truncated and
    // written again past read_pos before we looked (copytruncate, then a busy writer)
    // no longer has them there.
    std::string tail;
  };
  static constexpr std::size_t kTailKept = 64;
  // Whether `f` was truncated since it was read: shorter than read_pos, or other bytes
  // where the last ones read were.
  bool Truncated(const OpenFile& f);

  void ArmInotify();
  void DrainInotify();
  // The events of our watches, from our own inotify instance or the shared hub.
  void OnInotify(const inotify_event& event) override;
  void OnInotifyDone() override;
  // inotify_add_watch / inotify_rm_watch on our instance or through the hub.
  int AddWatch(const std::string& path, std::uint32_t mask);
  void RemoveWatch(int wd);
  // Watches the directory at dir_ (remembering which one it is); false when missing.
  bool WatchDir();
  // The watched directory is gone or replaced: watch the one at the path, or wait for it.
  void LoseDir();
  // Looks for the missing directory again in a while.
  void ArmDirRetry();
  void Check();
  void Rotate();
  bool OpenAtPath(OpenFile& f, off_t offset);
  void WatchFile(OpenFile& f);
  // Reads `f` up to EOF or the batch budget; returns false when the budget ran out.
  bool Read(OpenFile& f, std::size_t& budget);
  // Hands on the complete lines read into `f`, and with `at_end` the last one without
  // its newline too (the file will not grow any more).
  void Drain(OpenFile& f, bool at_end);
  void Emit(std::string_view line, bool replay);
  // Where lines from `since` on begin in `fd` (by their timestamps, assumed in order).
  off_t OffsetOfTime(int fd, TimePoint since);
  // Moves `f`'s start back to where the replay begins, up to its saved offset.
  void StartReplay(OpenFile& f, const char* what);
  void Finish(OpenFile& f);
  void Close(OpenFile& f);
  void Save(bool durable);
  void LoadPosition();
  // Moves the reference of year-less timestamps to now once the clock has left its hour.
  void RefreshSyslogContext();

  boost::asio::io_context& io_;
  const StateStore& state_;
  const Clock& clock_;
  // One for all lines: the parser caches the last hour it resolved per reference time
  // (syslog_time.cpp), so a fresh reference per line would make it miss every time.
  SyslogContext syslog_context_;
  std::string path_;
  std::string dir_;
  std::string base_;
  std::string name_;
  std::string state_key_;
  bool start_at_end_;
  std::optional<TimePoint> replay_from_;
  Handler handler_;
  BatchDone batch_done_;
  InotifyHub* hub_ = nullptr;
  int inotify_fd_ = -1;
  int dir_wd_ = -1;
  bool dir_lost_ = false;  // an event said the watched directory went away
  std::unique_ptr<boost::asio::posix::stream_descriptor> inotify_;
  std::unique_ptr<boost::asio::steady_timer> dir_timer_;  // only while the directory is missing
  dev_t dir_dev_ = 0;                                     // the directory watched by dir_wd_
  ino_t dir_ino_ = 0;
  int open_errno_ = 0;  // why the file could not be opened last time (said once), 0: it could
  OpenFile current_;
  OpenFile old_;
  std::string saved_;  // last record written, to skip identical saves
  bool running_ = false;
  bool check_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  SourceStats stats_;
};

}  // namespace sshd_health
