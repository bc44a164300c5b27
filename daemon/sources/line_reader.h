#pragma once
// LineReader: the fast path from a log file (plain or gzip), or stdin, to lines. `scan`
// reads whole rotated logs with it, so it reads in large blocks and hands out views into
// its LineBuffer (line_buffer.h: the bound on line length, memchr for line ends): no
// allocation per line.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "sources/line_buffer.h"

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

  /// Opens the last `max_bytes` of the file at `path`, starting after the first newline
  /// in them (the line cut by the start is skipped); the whole file when it is smaller.
  /// Read as plain text: the middle of a gzip stream cannot be decompressed.
  static Result<std::unique_ptr<LineReader>> OpenTail(const std::string& path,
                                                      std::uint64_t max_bytes,
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
  /// Inline with LineBuffer::Next, so a held line costs `scan` no call at all.
  bool Next(std::string_view& line) { return lines_.Next(line) || NextAfterFill(line); }

  /// Empty unless reading failed; names the input.
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  /// Modification time of a regular file (what a year-less syslog timestamp is resolved
  /// against); nullopt for pipes and terminals.
  std::optional<TimePoint> mtime() const { return mtime_; }
  bool gzip() const { return gzip_ != nullptr; }
  LineReaderStats stats() const { return {lines_.lines(), bytes_, lines_.truncated()}; }

 private:
  struct Gzip;  // zlib state, only for gzip input

  LineReader(int fd, bool owns_fd, std::string name, std::size_t max_line);

  // Next once lines_ holds no complete line: reads more until one is there or the input
  // ends (then what is left is the last line).
  bool NextAfterFill(std::string_view& line);
  // Appends more input to lines_. False at end or on error.
  bool Fill();
  // Appends up to `room` bytes at `dst`; returns the count, 0 at end, -1 on error.
  long ReadRaw(char* dst, std::size_t room);
  long ReadGzip(char* dst, std::size_t room);
  void SetError(std::string message);

  int fd_;
  bool owns_fd_;
  std::string name_;
  LineBuffer lines_;
  bool eof_ = false;
  bool detected_ = false;  // gzip or not is known
  std::unique_ptr<Gzip> gzip_;
  std::optional<TimePoint> mtime_;
  std::string error_;
  std::uint64_t bytes_ = 0;
};

}  // namespace sshd_health
