// JournalEntryShaper: a journal entry's fields -> LogRecord (journal_source.h), without a
// journal. Includes the inputs journal_entry_fuzz found (tests/fuzz/).
#include <catch2/catch.hpp>
#include <string>

#include "sources/journal_source.h"

using namespace sshd_health;

TEST_CASE("a journal entry's fields become a short-form line and record", "[sources]") {
  std::string line;
  JournalEntryShaper shaper(line);
  for (const char* f : {"_PID=812", "MESSAGE=Failed password for root from 192.0.2.7 port 22 ssh2",
                        "SYSLOG_IDENTIFIER=sshd", "_HOSTNAME=web1", "MESSAGE=second is ignored"}) {
    shaper.Field(f);
  }
  CHECK(shaper.needs_realtime());
  const LogRecord r = shaper.Finish(1'795'000'000'000'000);
  CHECK(r.has_ts);
  CHECK(r.pid == 812);
  CHECK(r.host == "web1");
  CHECK(r.program == "sshd");
  CHECK(r.message == "Failed password for root from 192.0.2.7 port 22 ssh2");
  CHECK(line.ends_with(" web1 sshd[812]: Failed password for root from 192.0.2.7 port 22 ssh2"));
}

// journal_entry_fuzz (UBSan): _SOURCE_REALTIME_TIMESTAMP=98850540651229213 (a corrupt
// journal file) overflowed the nanoseconds of the record's TimePoint.
TEST_CASE("a journal timestamp beyond what a TimePoint holds counts as none", "[sources]") {
  std::string line;
  JournalEntryShaper shaper(line);
  shaper.Field("_SOURCE_REALTIME_TIMESTAMP=98850540651229213");
  shaper.Field("MESSAGE=hello");
  CHECK(!shaper.needs_realtime());
  SECTION("the entry's realtime stamp is used instead") {
    const LogRecord r = shaper.Finish(1'795'000'000'000'000);
    CHECK(r.has_ts);
    CHECK(r.ts == TimePoint(std::chrono::seconds(1'795'000'000)));
  }
  SECTION("and when that is out of range too, the record has no time") {
    const LogRecord r = shaper.Finish(18'446'744'073'709'551'615ULL);
    CHECK(!r.has_ts);
    CHECK(r.message == "hello");
  }
}
