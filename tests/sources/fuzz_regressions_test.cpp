// Inputs the syslog-line fuzz target found (tests/fuzz/syslog_line_fuzz.cpp), pinned.
// Run under ASan (make test ASAN=1) they fail loudly if the bug comes back; the plain
// build checks the result.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "sources/syslog_line.h"

using namespace sshd_health;

// syslog_line_fuzz (ASan heap-buffer-overflow): "<38>" with nothing after the priority
// made ParseSyslogLineInto read line[0] of the empty rest, one byte past the line.
TEST_CASE("a line that is only a syslog priority has no header and is read past nowhere",
          "[sources]") {
  // Exactly the 4 bytes in their own heap block, so ASan sees a read past them.
  const auto bytes = std::make_unique<char[]>(4);
  std::copy_n("<38>", 4, bytes.get());
  const std::string_view line(bytes.get(), 4);
  const SyslogContext ctx{TimePoint(std::chrono::seconds(1'795'000'000))};
  CHECK(!ParseSyslogLine(line, ctx));
  const LogRecord r = RecordFromLine(line, ctx);
  CHECK(r.message == "<38>");
  CHECK(!r.has_ts);
}
