// scan's gzip path: fuzzed bytes (gzip or not: the reader decides by the magic bytes)
// through LineReader from a memfd, as scan reads a rotated auth.log.N.gz, and every line
// through the splitter and parser. Properties: lines hold no '\n' and are at most
// max_line bytes; the reader stops (end or a named error) without hanging on a
// decompression bomb (input is bounded by -max_len, output by the read loop below).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "event_check.h"
#include "parse/sshd_parser.h"
#include "sources/line_reader.h"
#include "sources/syslog_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("gzip-fuzz", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (size > 0 && ::write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  ::lseek(fd, 0, SEEK_SET);
  constexpr std::size_t kMaxLine = 512;  // small, so the truncation path runs too
  {
    auto reader = sshd_health::LineReader::FromFd(fd, "fuzz.gz", kMaxLine);
    const sshd_health::SyslogContext ctx{
        sshd_health::TimePoint(std::chrono::seconds(1'795'000'000))};
    sshd_health::SshdParser parser;
    sshd_health::SshdEvent event;
    std::string_view line;
    std::uint64_t bytes = 0;
    while (bytes < (std::uint64_t{8} << 20) && reader->Next(line)) {
      bytes += line.size() + 1;
      fuzz::Check(line.find('\n') == std::string_view::npos, "a line holds no newline");
      fuzz::Check(line.size() <= kMaxLine, "a line is at most max_line bytes");
      const auto record = sshd_health::RecordFromLine(line, ctx);
      fuzz::CheckRecordAndEvent(line, record, parser.Parse(record, event) ? &event : nullptr);
    }
    if (!reader->error().empty()) {
      fuzz::Check(reader->error().find("fuzz.gz") != std::string::npos,
                  "a read error names the input", reader->error());
    }
  }
  ::close(fd);
  return 0;
}
