#include "sources/line_buffer.h"

#include <cstring>

namespace sshd_health {

LineBuffer::LineBuffer(std::size_t max_line, std::size_t block)
    : max_line_(max_line == 0 ? 1 : max_line),
      // A held line of max_line_ bytes (+ a "\r") still leaves a whole block of room.
      capacity_(max_line_ + block + 1) {}

std::span<char> LineBuffer::Space() {
  if (!buf_) buf_ = std::make_unique<char[]>(capacity_);
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_from_ -= begin_;
    begin_ = 0;
  }
  return {buf_.get() + end_, capacity_ - end_};
}

void LineBuffer::Commit(std::size_t n) { end_ += n; }

void LineBuffer::Clear() {
  begin_ = end_ = scan_from_ = 0;
  skipping_ = false;
}

bool LineBuffer::NextSlow(std::string_view& line) {
  if (!buf_) return false;
  char* const base = buf_.get();
  while (true) {
    // One memchr per turn, whatever skipping_ says: written as two calls in the two
    // branches, GCC 12 hoisted one above the branch and made every line pay for two.
    const void* found = std::memchr(base + scan_from_, '\n', end_ - scan_from_);
    const std::size_t nl =
        found ? static_cast<std::size_t>(static_cast<const char*>(found) - base) : end_;
    if (skipping_) {
      begin_ = scan_from_ = found ? nl + 1 : end_;
      if (!found) return false;
      skipping_ = false;
      continue;
    }
    if (found) {
      line = Take(nl - begin_);
      begin_ = scan_from_ = nl + 1;
      return true;
    }
    if (end_ - begin_ > max_line_ + 1) {  // + 1: a "\r" that may precede the newline
      // No newline within the bound: hand out the first max_line_ bytes now and drop the
      // rest of this line, so an endless line cannot grow the buffer.
      line = std::string_view(base + begin_, max_line_);
      begin_ = scan_from_ = begin_ + max_line_;
      skipping_ = true;
      ++truncated_;
      ++lines_;
      return true;
    }
    scan_from_ = end_;
    return false;
  }
}

bool LineBuffer::TakeRest(std::string_view& line) {
  if (skipping_) {
    begin_ = scan_from_ = end_;
    skipping_ = false;
    return false;
  }
  if (end_ == begin_) return false;
  line = Take(end_ - begin_);
  begin_ = scan_from_ = end_;
  return true;
}

}  // namespace sshd_health
