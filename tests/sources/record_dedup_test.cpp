// RecordDedup: rsyslog's copy of a journal entry is dropped; genuine repeats are not.
#include "sources/record_dedup.h"

#include <catch2/catch.hpp>

using sshd_health::LogRecord;
using sshd_health::RecordDedup;
using sshd_health::TimePoint;

namespace {

LogRecord Record(const char* message, std::int64_t seconds, int pid = 7, bool has_ts = true) {
  LogRecord r;
  r.program = "sshd";
  r.pid = pid;
  r.message = message;
  r.line = message;
  r.ts = TimePoint(std::chrono::seconds(seconds));
  r.has_ts = has_ts;
  return r;
}

}  // namespace

TEST_CASE("dedup drops the other source's copy within the slack, once", "[sources][dedup]") {
  RecordDedup d;
  CHECK_FALSE(d.IsDuplicate(0, Record("Failed password", 1000)));
  CHECK(d.IsDuplicate(1, Record("Failed password", 1001)));
  // A third copy (a genuine repeat) counts again.
  CHECK_FALSE(d.IsDuplicate(1, Record("Failed password", 1001)));
}

TEST_CASE("dedup keeps repeats from the same source and different lines", "[sources][dedup]") {
  RecordDedup d;
  CHECK_FALSE(d.IsDuplicate(0, Record("Failed password", 1000)));
  CHECK_FALSE(d.IsDuplicate(0, Record("Failed password", 1000)));
  CHECK_FALSE(d.IsDuplicate(1, Record("Failed password", 1000, 8)));  // other pid
  CHECK_FALSE(d.IsDuplicate(1, Record("Accepted password", 1000)));
  CHECK_FALSE(d.IsDuplicate(1, Record("Failed password", 1010)));  // too far apart
  CHECK_FALSE(d.IsDuplicate(1, Record("no time", 1000, 7, false)));
  CHECK_FALSE(d.IsDuplicate(0, Record("no time", 1000, 7, false)));
}

TEST_CASE("dedup memory is bounded by count and by time", "[sources][dedup]") {
  RecordDedup d(100, std::chrono::seconds(30));
  for (int i = 0; i < 1000; ++i) d.IsDuplicate(0, Record("x", 1000 + i / 10));
  CHECK(d.size() <= 100);
  d.IsDuplicate(0, Record("late", 5000));
  CHECK(d.size() == 1);
}
