#include "sources/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gzip.h"
#include "subprocess.h"
#include "temp_dir.h"

using sshd_health::LineReader;

using test::Gzip;

namespace {

std::vector<std::string> ReadAll(LineReader& reader) {
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.Next(line)) lines.emplace_back(line);
  return lines;
}

std::vector<std::string> ReadPath(const std::string& path,
                                  std::size_t max_line = LineReader::kDefaultMaxLine) {
  auto reader = LineReader::Open(path, max_line);
  REQUIRE(reader);
  auto lines = ReadAll(**reader);
  CHECK((*reader)->error().empty());
  return lines;
}

std::string NumberedLines(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    text += "Nov 21 16:31:02 host sshd[" + std::to_string(i) + "]: line number " +
            std::to_string(i) + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("a plain file yields its lines without terminators", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/auth.log";
  test::WriteFile(path, "one\ntwo\r\n\nfour\r\nlast without newline");
  CHECK(ReadPath(path) ==
        std::vector<std::string>{"one", "two", "", "four", "last without newline"});
}

TEST_CASE("an empty file yields no lines", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/empty.log";
  test::WriteFile(path, "");
  auto reader = LineReader::Open(path);
  REQUIRE(reader);
  std::string_view line;
  CHECK_FALSE((*reader)->Next(line));
  CHECK((*reader)->error().empty());
  CHECK((*reader)->stats().lines == 0);
}

TEST_CASE("a lone carriage return at the end of input is dropped like CRLF", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/cr.log";
  test::WriteFile(path, "a\r\nb\r");
  CHECK(ReadPath(path) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("NUL bytes and invalid UTF-8 pass through unchanged", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/nul.log";
  static constexpr char kHostile[] = "user \0root\xff\xfe x";
  const std::string hostile(kHostile, sizeof kHostile - 1);
  REQUIRE(hostile.size() == 14);
  test::WriteFile(path, hostile + "\nnext\n");
  const auto lines = ReadPath(path);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == hostile);
  CHECK(lines[1] == "next");
}

TEST_CASE("lines across many read blocks come out whole and in order", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/big.log";
  const int count = 60'000;  // about 3 MiB: several blocks, lines straddling each boundary
  test::WriteFile(path, NumberedLines(count));
  auto reader = LineReader::Open(path);
  REQUIRE(reader);
  std::string_view line;
  int i = 0;
  bool all_equal = true;
  while ((*reader)->Next(line)) {
    const std::string want =
        "Nov 21 16:31:02 host sshd[" + std::to_string(i) + "]: line number " + std::to_string(i);
    if (line != want) {
      all_equal = false;
      FAIL_CHECK("line " << i << " is '" << line << "'");
      break;
    }
    ++i;
  }
  CHECK(all_equal);
  CHECK(i == count);
  CHECK((*reader)->stats().bytes == NumberedLines(count).size());
}

TEST_CASE("an overlong line is cut, counted, and the next line is intact", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/long.log";

  SECTION("within one block") {
    test::WriteFile(path, "short\n" + std::string(500, 'x') + "\nafter\n");
    auto reader = LineReader::Open(path, 100);
    REQUIRE(reader);
    const auto lines = ReadAll(**reader);
    CHECK(lines == std::vector<std::string>{"short", std::string(100, 'x'), "after"});
    CHECK((*reader)->stats().truncated == 1);
  }
  SECTION("longer than the read block, with no newline for megabytes") {
    const std::string huge(3 * LineReader::kBlockSize + 17, 'y');
    test::WriteFile(path, huge + "\nafter\n" + huge);
    auto reader = LineReader::Open(path);
    REQUIRE(reader);
    const auto lines = ReadAll(**reader);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == std::string(LineReader::kDefaultMaxLine, 'y'));
    CHECK(lines[1] == "after");
    CHECK(lines[2] == std::string(LineReader::kDefaultMaxLine, 'y'));
    CHECK((*reader)->stats().truncated == 2);
    CHECK((*reader)->error().empty());
  }
  SECTION("exactly the bound is not cut") {
    test::WriteFile(path, std::string(100, 'z') + "\r\n" + std::string(100, 'w'));
    auto reader = LineReader::Open(path, 100);
    REQUIRE(reader);
    CHECK(ReadAll(**reader) ==
          std::vector<std::string>{std::string(100, 'z'), std::string(100, 'w')});
    CHECK((*reader)->stats().truncated == 0);
  }
}

TEST_CASE("gzip input is recognised by its magic bytes, not its name", "[scan]") {
  TempDir dir;
  const std::string text = NumberedLines(30'000);  // decompresses to more than one block
  const std::string name = GENERATE(as<std::string>{}, "auth.log.2.gz", "auth.log.2");
  const std::string path = dir.path() + "/" + name;
  test::WriteFile(path, Gzip(text));
  auto reader = LineReader::Open(path);
  REQUIRE(reader);
  const auto lines = ReadAll(**reader);
  CHECK((*reader)->gzip());
  CHECK((*reader)->error().empty());
  REQUIRE(lines.size() == 30'000);
  CHECK(lines.front() == "Nov 21 16:31:02 host sshd[0]: line number 0");
  CHECK(lines.back() == "Nov 21 16:31:02 host sshd[29999]: line number 29999");
}

TEST_CASE("concatenated gzip members are read as one stream", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/joined.gz";
  test::WriteFile(path, Gzip("first\nsec") + Gzip("ond\nthird\n"));
  CHECK(ReadPath(path) == std::vector<std::string>{"first", "second", "third"});
}

TEST_CASE("a truncated gzip file reports an error after the lines it could read", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/cut.gz";
  const std::string whole = Gzip(NumberedLines(2000));
  test::WriteFile(path, whole.substr(0, whole.size() / 2));
  auto reader = LineReader::Open(path);
  REQUIRE(reader);
  const auto lines = ReadAll(**reader);
  CHECK(!lines.empty());
  CHECK(lines.size() < 2000);
  CHECK_THAT((*reader)->error(), Catch::Contains(path) && Catch::Contains("gzip"));
}

TEST_CASE("a pipe is read to its end, gzip or not, however it trickles in", "[scan]") {
  const bool compressed = GENERATE(false, true);
  const std::string text = "Nov 21 16:31:02 h sshd[1]: a\nNov 21 16:31:03 h sshd[2]: b";
  const std::string bytes = compressed ? Gzip(text) : text;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  // One byte per write, so the reader sees the gzip magic split across reads.
  std::thread writer([&] {
    for (const char c : bytes) {
      if (::write(fds[1], &c, 1) != 1) break;
    }
    ::close(fds[1]);
  });
  auto reader = LineReader::FromFd(fds[0], "stdin");
  const auto lines = ReadAll(*reader);
  writer.join();
  ::close(fds[0]);
  CHECK(reader->gzip() == compressed);
  CHECK(reader->error().empty());
  CHECK_FALSE(reader->mtime().has_value());
  CHECK(lines ==
        std::vector<std::string>{"Nov 21 16:31:02 h sshd[1]: a", "Nov 21 16:31:03 h sshd[2]: b"});
}

TEST_CASE("opening a missing file or a directory fails with the path and the reason", "[scan]") {
  TempDir dir;
  auto missing = LineReader::Open(dir.path() + "/nope.log");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == dir.path() + "/nope.log: No such file or directory");
  auto directory = LineReader::Open(dir.path());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message == dir.path() + ": Is a directory");
}

TEST_CASE("a regular file's modification time is what year-less timestamps resolve against",
          "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/auth.log";
  test::WriteFile(path, "x\n");
  const timespec times[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  auto reader = LineReader::Open(path);
  REQUIRE(reader);
  REQUIRE((*reader)->mtime().has_value());
  CHECK(std::chrono::duration_cast<std::chrono::seconds>((*reader)->mtime()->time_since_epoch())
            .count() == 1'700'000'000);
}

TEST_CASE("a tail read starts after the first newline within the last bytes", "[scan]") {
  TempDir dir;
  const std::string path = dir.path() + "/auth.log";
  test::WriteFile(path, "first line\nsecond line\nthird line\n");
  SECTION("the start falls inside a line: that line is skipped") {
    auto reader = LineReader::OpenTail(path, std::string("ond line\nthird line\n").size());
    REQUIRE(reader);
    CHECK(ReadAll(**reader) == std::vector<std::string>{"third line"});
  }
  SECTION("a file no larger than the tail is read whole") {
    auto reader = LineReader::OpenTail(path, 1 << 20);
    REQUIRE(reader);
    CHECK(ReadAll(**reader) == std::vector<std::string>{"first line", "second line", "third line"});
  }
  SECTION("a missing file fails with its path") {
    const auto missing = LineReader::OpenTail(dir.path() + "/nope", 100);
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message, Catch::Contains(dir.path() + "/nope"));
  }
}
