#include "sources/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace sshd_health {

struct LineReader::Gzip {
  bool initialized = false;
  z_stream zs{};
  std::unique_ptr<unsigned char[]> in = std::make_unique<unsigned char[]>(kBlockSize);
  bool input_done = false;   // the compressed input is exhausted
  bool member_done = false;  // the current gzip member ended (another may follow)

  Gzip() { initialized = inflateInit2(&zs, 15 + 16) == Z_OK; }  // 16: gzip wrapper only
  ~Gzip() {
    if (initialized) inflateEnd(&zs);
  }
  Gzip(const Gzip&) = delete;
  Gzip& operator=(const Gzip&) = delete;
};

LineReader::LineReader(int fd, bool owns_fd, std::string name, std::size_t max_line)
    : fd_(fd),
      owns_fd_(owns_fd),
      name_(std::move(name)),
      max_line_(max_line == 0 ? 1 : max_line),
      // A pending line of max_line_ bytes still leaves a whole block of room to read into.
      capacity_(max_line_ + kBlockSize + 1) {
  buf_ = std::make_unique<char[]>(capacity_);
}

LineReader::~LineReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                     std::size_t max_line) {
  if (path == "-") return FromFd(STDIN_FILENO, "stdin", max_line);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(path + ": " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Fail(path + ": " + std::strerror(EISDIR));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<LineReader> reader(new LineReader(fd, true, path, max_line));
  if (S_ISREG(st.st_mode)) {
    reader->mtime_ = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  }
  return reader;
}

std::unique_ptr<LineReader> LineReader::FromFd(int fd, std::string name, std::size_t max_line) {
  std::unique_ptr<LineReader> reader(new LineReader(fd, false, std::move(name), max_line));
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    reader->mtime_ = TimePoint(std::chrono::duration_cast<TimePoint::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  }
  return reader;
}

void LineReader::SetError(std::string message) {
  if (error_.empty()) error_ = name_ + ": " + std::move(message);
}

long LineReader::ReadRaw(char* dst, std::size_t room) {
  while (true) {
    const ssize_t n = ::read(fd_, dst, room);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    SetError(std::string("read failed: ") + std::strerror(errno));
    return -1;
  }
}

long LineReader::ReadGzip(char* dst, std::size_t room) {
  Gzip& gz = *gzip_;
  if (!gz.initialized) {
    SetError("cannot start gzip decompression");
    return -1;
  }
  while (true) {
    if (gz.zs.avail_in == 0 && !gz.input_done) {
      const long n = ReadRaw(reinterpret_cast<char*>(gz.in.get()), kBlockSize);
      if (n < 0) return -1;
      if (n == 0) gz.input_done = true;
      gz.zs.next_in = gz.in.get();
      gz.zs.avail_in = static_cast<uInt>(n);
    }
    if (gz.member_done) {
      // `cat a.gz b.gz` is valid gzip: another member may follow. Anything else after a
      // complete member (tape padding, zeros) is ignored, as gzip -d does.
      if (gz.zs.avail_in == 0) return 0;
      if (gz.zs.next_in[0] != 0x1f) return 0;
      if (inflateReset(&gz.zs) != Z_OK) {
        SetError("gzip: cannot start the next member");
        return -1;
      }
      gz.member_done = false;
    }
    gz.zs.next_out = reinterpret_cast<unsigned char*>(dst);
    gz.zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&gz.zs, Z_NO_FLUSH);
    const long produced = static_cast<long>(room - gz.zs.avail_out);
    if (rc == Z_STREAM_END) {
      gz.member_done = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      SetError(std::string("corrupt gzip data: ") + (gz.zs.msg ? gz.zs.msg : "inflate failed"));
      return produced > 0 ? produced : -1;
    }
    if (produced > 0) return produced;
    if (!gz.member_done && gz.input_done && gz.zs.avail_in == 0) {
      SetError("gzip data ends early (truncated file?)");
      return -1;
    }
  }
}

bool LineReader::Fill() {
  if (!error_.empty()) return false;
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_from_ -= begin_;
    begin_ = 0;
  }
  char* dst = buf_.get() + end_;
  const std::size_t room = capacity_ - end_;
  if (!detected_) {
    detected_ = true;
    // Read until the two magic bytes are known (a pipe may deliver one at a time).
    // At most one block, so the bytes fit the gzip input buffer if they turn out to be gzip.
    const std::size_t limit = room < kBlockSize ? room : kBlockSize;
    std::size_t got = 0;
    while (got < 2) {
      const long n = ReadRaw(dst + got, limit - got);
      if (n < 0) return false;
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got >= 2 && static_cast<unsigned char>(dst[0]) == 0x1f &&
        static_cast<unsigned char>(dst[1]) == 0x8b) {
      gzip_ = std::make_unique<Gzip>();
      std::memcpy(gzip_->in.get(), dst, got);
      gzip_->zs.next_in = gzip_->in.get();
      gzip_->zs.avail_in = static_cast<uInt>(got);
    } else if (got > 0) {
      end_ += got;
      stats_.bytes += got;
      return true;
    } else {
      eof_ = true;
      return false;
    }
  }
  const long n = gzip_ ? ReadGzip(dst, room) : ReadRaw(dst, room);
  if (n < 0) return false;
  if (n == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  stats_.bytes += static_cast<std::uint64_t>(n);
  return true;
}

std::string_view LineReader::Bounded(const char* start, std::size_t len) {
  if (len > 0 && start[len - 1] == '\r') --len;
  if (len > max_line_) {
    len = max_line_;
    ++stats_.truncated;
  }
  ++stats_.lines;
  return std::string_view(start, len);
}

bool LineReader::Next(std::string_view& line) {
  while (true) {
    char* const base = buf_.get();
    if (skipping_) {
      const void* nl = std::memchr(base + scan_from_, '\n', end_ - scan_from_);
      if (nl) {
        begin_ = scan_from_ = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
        skipping_ = false;
        continue;
      }
      begin_ = scan_from_ = end_;
      if (eof_ || !Fill()) return false;
      continue;
    }
    const void* nl = std::memchr(base + scan_from_, '\n', end_ - scan_from_);
    if (nl) {
      const std::size_t stop = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      line = Bounded(base + begin_, stop - begin_);
      begin_ = scan_from_ = stop + 1;
      return true;
    }
    const std::size_t pending = end_ - begin_;
    if (pending > max_line_ + 1) {  // + 1: a "\r" that may precede the newline
      // No newline within the bound: return the first max_line_ bytes and drop the rest of
      // this line, so an endless line cannot grow the buffer.
      line = std::string_view(base + begin_, max_line_);
      begin_ = scan_from_ = begin_ + max_line_;
      skipping_ = true;
      ++stats_.truncated;
      ++stats_.lines;
      return true;
    }
    if (eof_ || !error_.empty()) {
      if (pending == 0) return false;
      line = Bounded(base + begin_, pending);
      begin_ = scan_from_ = end_;
      return true;
    }
    scan_from_ = end_;
    Fill();  // on end or error, the next round returns what is left
  }
}

}  // namespace sshd_health
