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
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), lines_(max_line, kBlockSize) {}

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

Result<std::unique_ptr<LineReader>> LineReader::OpenTail(const std::string& path,
                                                         std::uint64_t max_bytes,
                                                         std::size_t max_line) {
  auto opened = Open(path, max_line);
  if (!opened) return opened;
  LineReader& reader = **opened;
  reader.detected_ = true;
  struct stat st {};
  if (::fstat(reader.fd_, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    if (::lseek(reader.fd_, st.st_size - static_cast<off_t>(max_bytes), SEEK_SET) < 0) {
      return Fail(path + ": " + std::strerror(errno));
    }
    reader.lines_.SkipLine();
  }
  return opened;
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
  const std::span<char> space = lines_.Space();
  char* dst = space.data();
  const std::size_t room = space.size();
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
      lines_.Commit(got);
      bytes_ += got;
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
  lines_.Commit(static_cast<std::size_t>(n));
  bytes_ += static_cast<std::uint64_t>(n);
  return true;
}

bool LineReader::NextAfterFill(std::string_view& line) {
  do {
    // On end or error, what is left is the last line.
    if (eof_ || !error_.empty()) return lines_.TakeRest(line);
    Fill();
  } while (!lines_.Next(line));
  return true;
}

}  // namespace sshd_health
