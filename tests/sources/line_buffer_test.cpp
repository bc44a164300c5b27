// LineBuffer: the bound on line length and the bookkeeping both text sources rely on
// (LineReader for scan, FileSource for the daemon's resume offset).
#include "sources/line_buffer.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

using sshd_health::LineBuffer;

namespace {

void Append(LineBuffer& buffer, const std::string& bytes) {
  const auto space = buffer.Space();
  REQUIRE(space.size() >= bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.Commit(bytes.size());
}

std::vector<std::string> Lines(LineBuffer& buffer) {
  std::vector<std::string> out;
  std::string_view line;
  while (buffer.Next(line)) out.emplace_back(line);
  return out;
}

}  // namespace

TEST_CASE("line buffer holds a partial line until its newline and says how much it holds",
          "[sources]") {
  LineBuffer buffer(16, 64);
  Append(buffer, "one\r\ntw");
  CHECK(Lines(buffer) == std::vector<std::string>{"one"});
  CHECK(buffer.held() == 2);
  Append(buffer, "o\nthree");
  CHECK(Lines(buffer) == std::vector<std::string>{"two"});
  CHECK(buffer.held() == 5);
  std::string_view rest;
  REQUIRE(buffer.TakeRest(rest));
  CHECK(rest == "three");
  CHECK(buffer.held() == 0);
  CHECK(buffer.lines() == 3);
}

TEST_CASE("line buffer cuts a line at the bound, drops its rest and counts it once", "[sources]") {
  LineBuffer buffer(8, 64);
  SECTION("the newline arrives within the block") {
    Append(buffer, "0123456789abc\nnext\n");
    CHECK(Lines(buffer) == std::vector<std::string>{"01234567", "next"});
  }
  SECTION("the newline comes blocks later") {
    Append(buffer, "0123456789");
    CHECK(Lines(buffer) == std::vector<std::string>{"01234567"});
    CHECK(buffer.held() == 0);  // the rest is dropped, not held
    Append(buffer, std::string(60, 'x'));
    CHECK(Lines(buffer).empty());
    Append(buffer, "x\nnext\n");
    CHECK(Lines(buffer) == std::vector<std::string>{"next"});
  }
  SECTION("the input ends before the newline") {
    Append(buffer, "0123456789");
    CHECK(Lines(buffer) == std::vector<std::string>{"01234567"});
    std::string_view rest;
    CHECK_FALSE(buffer.TakeRest(rest));
  }
  CHECK(buffer.truncated() == 1);
}

TEST_CASE("line buffer skips a partial first line and forgets everything on Clear", "[sources]") {
  LineBuffer buffer(16, 64);
  buffer.SkipLine();
  Append(buffer, "ne cut by the start\nwhole\npart");
  CHECK(Lines(buffer) == std::vector<std::string>{"whole"});
  buffer.Clear();
  CHECK(buffer.held() == 0);
  Append(buffer, "again\n");
  CHECK(Lines(buffer) == std::vector<std::string>{"again"});
  CHECK(buffer.truncated() == 0);
}
