#pragma once
// LineBuffer: the one place where bytes become bounded lines, for both sources that read
// text: LineReader (`scan`: whole files, gzip, stdin) and FileSource (the daemon following
// a log). The owner appends what it read (Space, then Commit); Next hands out each
// complete line as a view into the buffer, without its "\n" or "\r\n", so no line is
// copied.
//
// Hostile input: a line longer than max_line is handed out cut at max_line and the rest,
// up to its newline, is dropped; both count once in truncated(). The buffer therefore
// never holds more than max_line + one block, whatever the input. NUL bytes and invalid
// UTF-8 pass through untouched; escaping them is the output's job.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace sshd_health {

/// Not thread-safe. Movable; the memory is taken on the first Space(), so a buffer that
/// is never written to (a file not open yet) costs nothing.
class LineBuffer {
 public:
  /// `block`: how much the owner wants to append at a time; Space() always has that room.
  LineBuffer(std::size_t max_line, std::size_t block);

  /// Free room at the end, at least `block` bytes (unread bytes are moved to the front
  /// first). Valid until the next call on the buffer.
  std::span<char> Space();
  /// Makes the first `n` bytes written into Space() part of the input.
  /// REQUIRES: n <= Space().size().
  void Commit(std::size_t n);

  /// The next complete line. False when what is left has no newline yet (append more, or
  /// call TakeRest at the end of input). The view is valid until the next call.
  bool Next(std::string_view& line) {
    // Inline, for the line that is there (all but one per block): `scan` calls this once
    // per line, and the out-of-line call cost 4.7 M Ir per 200,000 lines over the
    // pre-LineBuffer reader (docs/performance-tricks.md). Skipping, a line cut at
    // max_line_ and the end of the block are NextSlow's.
    if (!skipping_ && scan_from_ < end_) {
      char* const base = buf_.get();
      const void* found = std::memchr(base + scan_from_, '\n', end_ - scan_from_);
      if (found) {
        const auto nl = static_cast<std::size_t>(static_cast<const char*>(found) - base);
        line = Take(nl - begin_);
        begin_ = scan_from_ = nl + 1;
        return true;
      }
      scan_from_ = end_;  // no newline in what is held: NextSlow need not search it again
    }
    return NextSlow(line);
  }
  /// At the end of input: the last line, which has no newline. False when there is none,
  /// or when it was already handed out cut (its rest is dropped).
  bool TakeRest(std::string_view& line);
  /// Drops everything up to and including the next newline, however far away it is: the
  /// partial first line of a read that starts mid-file.
  void SkipLine() { skipping_ = true; }
  /// Forgets all input (the file was truncated and is read again from its start).
  void Clear();

  /// Bytes appended but not yet handed out as (part of) a line: a partial last line.
  /// The end of the last line handed out lies this many bytes before the read position.
  std::size_t held() const { return skipping_ ? 0 : end_ - begin_; }
  std::uint64_t lines() const { return lines_; }
  std::uint64_t truncated() const { return truncated_; }

 private:
  // One complete line of `len` bytes at begin_: drops a trailing "\r", cuts at max_line_.
  std::string_view Take(std::size_t len) {
    const char* start = buf_.get() + begin_;
    if (len > 0 && start[len - 1] == '\r') --len;
    if (len > max_line_) {
      len = max_line_;
      ++truncated_;
    }
    ++lines_;
    return std::string_view(start, len);
  }
  // Next when the inline search found no line: skipping, the bound, the end of the block.
  bool NextSlow(std::string_view& line);

  std::size_t max_line_;
  std::size_t capacity_;
  std::unique_ptr<char[]> buf_;
  std::size_t begin_ = 0;      // first unread byte
  std::size_t end_ = 0;        // one past the last valid byte
  std::size_t scan_from_ = 0;  // bytes in [begin_, scan_from_) are known to hold no '\n'
  bool skipping_ = false;      // dropping the rest of a line up to its newline
  std::uint64_t lines_ = 0;
  std::uint64_t truncated_ = 0;
};

}  // namespace sshd_health
