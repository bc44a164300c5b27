#pragma once
// LineReader: the fast path from a log file (plain or gzip), or stdin, to lines. `scan`
// reads whole rotated logs with it, so it reads in large blocks, finds line ends with
// memchr and hands out views into its own buffer: no allocation per line.
//
// Hostile input: a line longer than the bound is cut (the rest up to its newline is
// skipped) and counted, so memory stays bounded whatever the file holds. NUL bytes and
// invalid UTF-8 pass through untouched; escaping them is the output's job.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace sshd_health {

struct LineReaderStats {
  std::uint64_t lines = 0;      // lines returned
  std::uint64_t bytes = 0;      // bytes of input after decompression
  std::uint64_t truncated = 0;  // lines longer than max_line, returned cut
};

/// Not thread-safe. Owns the file descriptor it opened (never stdin's).
class LineReader {
 public:
  /// Bytes read per read(2); also the decompressed block size for gzip input.
  static constexpr std::size_t kBlockSize = std::size_t{1} << 20;
  /// Longest line returned whole; sshd's own messages stay far below this.
  static constexpr std::size_t kDefaultMaxLine = 16 * 1024;

  /// Opens `path` for reading; "-" means standard input. Gzip input is recognised by its
  /// magic bytes (1f 8b), whatever the file is called. Fails with a message naming the
  /// path and the reason.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path,
                                                  std::size_t max_line = kDefaultMaxLine);

  /// Reads from `fd`, which the caller keeps open (and closes) after the reader is gone.
  /// `name` is used in error messages.
  static std::unique_ptr<LineReader> FromFd(int fd, std::string name,
                                            std::size_t max_line = kDefaultMaxLine);

  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line without its "\n" or "\r\n"; a last line without a newline is returned
  /// too. The view is valid until the next call. Returns false at the end of input or on
  /// a read/decompression error (then error() says what went wrong).
  bool Next(std::string_view& line);

  /// Empty unless reading failed; names the input.
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  /// Modification time of a regular file (what a year-less syslog timestamp is resolved
  /// against); nullopt for pipes and terminals.
  std::optional<TimePoint> mtime() const { return mtime_; }
  bool gzip() const { return gzip_ != nullptr; }
  const LineReaderStats& stats() const { return stats_; }

 private:
  struct Gzip;  // zlib state, only for gzip input

  LineReader(int fd, bool owns_fd, std::string name, std::size_t max_line);

  // Moves unread bytes to the front and appends more input. False at end or on error.
  bool Fill();
  // Appends up to `room` bytes at `dst`; returns the count, 0 at end, -1 on error.
  long ReadRaw(char* dst, std::size_t room);
  long ReadGzip(char* dst, std::size_t room);
  // One complete line of `len` bytes: drops a trailing "\r", cuts at max_line_, counts.
  std::string_view Bounded(const char* start, std::size_t len);
  void SetError(std::string message);

  int fd_;
  bool owns_fd_;
  std::string name_;
  std::size_t max_line_;
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_;
  std::size_t begin_ = 0;  // first unread byte
  std::size_t end_ = 0;    // one past the last valid byte
  std::size_t scan_from_ = 0;  // bytes in [begin_, scan_from_) are known to hold no '\n'
  bool eof_ = false;
  bool detected_ = false;
  bool skipping_ = false;  // discarding the rest of an overlong line
  std::unique_ptr<Gzip> gzip_;
  std::optional<TimePoint> mtime_;
  std::string error_;
  LineReaderStats stats_;
};

}  // namespace sshd_health
