// ParseSyslogLine: every accepted line form, year inference, and what it refuses.
#include "sources/syslog_line.h"

#include <catch2/catch.hpp>
#include <ctime>
#include <string>

namespace sshd_health {
namespace {

using namespace std::chrono;

// The local wall-clock time the way syslog writes it, as a TimePoint.
TimePoint Local(int y, int mon, int d, int h, int mi, int s) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  tm.tm_isdst = -1;
  return SystemClock::from_time_t(std::mktime(&tm));
}

TimePoint Utc(int y, int mon, int d, int h, int mi, int s) {
  return TimePoint{sys_days{year{y} / mon / d}.time_since_epoch() + hours{h} + minutes{mi} +
                   seconds{s}};
}

SyslogContext At(TimePoint t) { return SyslogContext{t}; }

TEST_CASE(
    "a classic BSD line gives host, program, pid, message and a local time in the reference year",
    "[parse]") {
  const auto rec = ParseSyslogLine("Nov 21 16:31:02 web1 sshd[123]: Failed password for root",
                                   At(Local(2026, 11, 22, 0, 0, 0)));
  REQUIRE(rec);
  CHECK(rec->has_ts);
  CHECK(rec->ts == Local(2026, 11, 21, 16, 31, 2));
  CHECK(rec->host == "web1");
  CHECK(rec->program == "sshd");
  CHECK(rec->pid == 123);
  CHECK(rec->message == "Failed password for root");
  CHECK(rec->line == "Nov 21 16:31:02 web1 sshd[123]: Failed password for root");
}

TEST_CASE("a December line read in January belongs to the previous year", "[parse]") {
  const auto rec = ParseSyslogLine("Dec 31 23:59:58 h sshd[1]: x", At(Local(2027, 1, 2, 8, 0, 0)));
  REQUIRE(rec);
  CHECK(rec->ts == Local(2026, 12, 31, 23, 59, 58));
}

TEST_CASE("the same hour read against another reference gets that reference's year", "[parse]") {
  // The parser caches the hour of the last classic timestamp; the cache belongs to one
  // reference, so a second scan with a later reference must not reuse it.
  const char* line = "Jun  1 10:00:00 h sshd[1]: x";
  const auto first = ParseSyslogLine(line, At(Local(2026, 7, 1, 0, 0, 0)));
  const auto again =
      ParseSyslogLine("Jun  1 10:17:00 h sshd[1]: x", At(Local(2026, 7, 1, 0, 0, 0)));
  const auto later = ParseSyslogLine(line, At(Local(2027, 7, 1, 0, 0, 0)));
  REQUIRE(first);
  REQUIRE(again);
  REQUIRE(later);
  CHECK(first->ts == Local(2026, 6, 1, 10, 0, 0));
  CHECK(again->ts == Local(2026, 6, 1, 10, 17, 0));
  CHECK(later->ts == Local(2027, 6, 1, 10, 0, 0));
}

TEST_CASE("a line up to a day ahead of the reference stays in the reference year", "[parse]") {
  const auto rec = ParseSyslogLine("Mar  1 10:00:00 h sshd[1]: x", At(Local(2026, 3, 1, 9, 0, 0)));
  REQUIRE(rec);
  CHECK(rec->ts == Local(2026, 3, 1, 10, 0, 0));
}

TEST_CASE("classic days may be space-padded, zero-padded or bare", "[parse]") {
  const auto ctx = At(Local(2026, 6, 30, 0, 0, 0));
  for (const char* line : {"Feb  7 16:01:07 h sshd[5]: m", "Feb 07 16:01:07 h sshd[5]: m",
                           "Feb 7 16:01:07 h sshd[5]: m"}) {
    INFO(line);
    const auto rec = ParseSyslogLine(line, ctx);
    REQUIRE(rec);
    CHECK(rec->ts == Local(2026, 2, 7, 16, 1, 7));
    CHECK(rec->host == "h");
    CHECK(rec->message == "m");
  }
}

TEST_CASE("journalctl short-precise and short-iso timestamps are read too", "[parse]") {
  const auto precise =
      ParseSyslogLine("Nov 21 16:31:02.250000 web1 sshd[1]: m", At(Local(2026, 11, 22, 0, 0, 0)));
  REQUIRE(precise);
  CHECK(precise->ts == Local(2026, 11, 21, 16, 31, 2) + milliseconds{250});
  const auto iso = ParseSyslogLine("2026-11-21T16:31:02+0100 web1 sshd[1]: m", {});
  REQUIRE(iso);
  CHECK(iso->ts == Utc(2026, 11, 21, 15, 31, 2));
}

TEST_CASE("a classic line keeping its <PRI> is read, and the record's line is the whole input",
          "[parse]") {
  const auto rec = ParseSyslogLine("<86>Nov 21 16:31:02 web1 sshd[1]: m", {});
  REQUIRE(rec);
  CHECK(rec->message == "m");
  CHECK(rec->line == "<86>Nov 21 16:31:02 web1 sshd[1]: m");
}

TEST_CASE("rsyslog ISO timestamps keep their fraction and offset", "[parse]") {
  SECTION("offset") {
    const auto rec =
        ParseSyslogLine("2026-11-21T16:31:02.123456+01:00 web1 sshd-session[77]: hello", {});
    REQUIRE(rec);
    CHECK(rec->ts == Utc(2026, 11, 21, 15, 31, 2) + microseconds{123456});
    CHECK(rec->program == "sshd-session");
    CHECK(rec->pid == 77);
    CHECK(rec->message == "hello");
  }
  SECTION("Z and a millisecond fraction") {
    const auto rec = ParseSyslogLine("2026-11-21T16:31:02.5Z web1 sshd-auth[78]: x", {});
    REQUIRE(rec);
    CHECK(rec->ts == Utc(2026, 11, 21, 16, 31, 2) + milliseconds{500});
    CHECK(rec->program == "sshd-auth");
  }
  SECTION("negative offset, no fraction") {
    const auto rec = ParseSyslogLine("2015-04-16T18:02:50-04:00 host sshd[2716]: y", {});
    REQUIRE(rec);
    CHECK(rec->ts == Utc(2015, 4, 16, 22, 2, 50));
  }
}

TEST_CASE("RFC 5424 lines give app name, procid and the message after structured data", "[parse]") {
  SECTION("no structured data") {
    const auto rec = ParseSyslogLine(
        "<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd 57915 - - Failed unknown "
        "for x",
        {});
    REQUIRE(rec);
    CHECK(rec->ts == Utc(2019, 7, 8, 21, 40, 16) + microseconds{954167});
    CHECK(rec->host == "hostname.example.com");
    CHECK(rec->program == "sshd");
    CHECK(rec->pid == 57915);
    CHECK(rec->message == "Failed unknown for x");
  }
  SECTION("structured data whose quoted values hold brackets and escapes") {
    const auto rec = ParseSyslogLine(
        "<38>1 2019-07-08T17:40:17.954167-04:00 h sshd 55555 - [timeQuality tzKnown=\"1\" "
        "isSynced=\"0\"]"
        "[x@123 test=\"[brackets]\" q=\"a\\\"]b\"] the message",
        {});
    REQUIRE(rec);
    CHECK(rec->message == "the message");
  }
  SECTION("unterminated structured data is refused") {
    CHECK_FALSE(ParseSyslogLine("<38>1 2019-07-08T17:40:17Z h sshd 1 - [a b=\"c\" msg", {}));
  }
}

// Regression: the procid loop multiplied before it checked for digits, so nine
// characters that are no digits ("zzzzzzzzz") overflowed int - undefined behaviour that
// UBSan (SSHD_HEALTH_SANITIZE) reported. Now it is read by scan::ParseUint.
TEST_CASE("an RFC 5424 procid of nine non-digits leaves the pid 0 instead of overflowing int",
          "[sources]") {
  for (const char* procid : {"zzzzzzzzz", "~~~~~~~~~", "12345678z", "-12345678"}) {
    INFO(procid);
    // The record's views point into the line, which must outlive them.
    const std::string line = std::string("<38>1 - h sshd ") + procid + " - - m";
    const auto rec = ParseSyslogLine(line, {});
    REQUIRE(rec);
    CHECK(rec->pid == 0);
    CHECK(rec->message == "m");
  }
}

TEST_CASE("an RFC 5424 procid is a pid only as 1-9 digits", "[sources]") {
  const auto nine = ParseSyslogLine("<38>1 - h sshd 999999999 - - m", {});
  REQUIRE(nine);
  CHECK(nine->pid == 999999999);
  const auto ten = ParseSyslogLine("<38>1 - h sshd 1234567890 - - m", {});
  REQUIRE(ten);
  CHECK(ten->pid == 0);
}

TEST_CASE("a [pid] of more than nine digits is no tag", "[sources]") {
  const auto nine = ParseSyslogLine("Nov 21 16:31:02 h sshd[999999999]: m", {});
  REQUIRE(nine);
  CHECK(nine->pid == 999999999);
  CHECK_FALSE(ParseSyslogLine("Nov 21 16:31:02 h sshd[1234567890]: m", {}));
  CHECK_FALSE(ParseSyslogLine("Nov 21 16:31:02 h sshd[]: m", {}));
}

TEST_CASE("journalctl short lines without a timestamp have no time", "[parse]") {
  const auto rec =
      ParseSyslogLine("srv sshd[32310]: Disconnecting: Too many authentication failures", {});
  REQUIRE(rec);
  CHECK_FALSE(rec->has_ts);
  CHECK(rec->host == "srv");
  CHECK(rec->program == "sshd");
  CHECK(rec->pid == 32310);
  CHECK(rec->message == "Disconnecting: Too many authentication failures");
}

TEST_CASE("a classic line may lack the host or bracket the program", "[parse]") {
  SECTION("no host") {
    const auto rec = ParseSyslogLine("Nov 23 21:50:19 sshd[8148]: Disconnecting: x", {});
    REQUIRE(rec);
    CHECK(rec->host.empty());
    CHECK(rec->pid == 8148);
    CHECK(rec->message == "Disconnecting: x");
  }
  SECTION("[sshd]: and [sshd]") {
    for (const char* line :
         {"Mar  3 00:17:22 [sshd]: User root", "Jun 25 23:53:34 [sshd] User root"}) {
      const auto rec = ParseSyslogLine(line, {});
      REQUIRE(rec);
      CHECK(rec->program == "sshd");
      CHECK(rec->pid == 0);
      CHECK(rec->message == "User root");
    }
  }
  SECTION("a program without pid") {
    const auto rec = ParseSyslogLine("Nov 23 21:50:19 h sshd: m", {});
    REQUIRE(rec);
    CHECK(rec->program == "sshd");
    CHECK(rec->pid == 0);
  }
}

TEST_CASE("trailing CR and LF are not part of the line", "[parse]") {
  const auto rec = ParseSyslogLine("srv sshd[1]: hello\r\n", {});
  REQUIRE(rec);
  CHECK(rec->message == "hello");
  CHECK(rec->line == "srv sshd[1]: hello");
}

TEST_CASE("lines in none of the forms are refused", "[parse]") {
  for (const char* line :
       {"", "hello", "Nov 99 16:31:02 h sshd[1]: x", "Nov 21 25:31:02 h sshd[1]: x",
        "Nov 21 16:31 h sshd[1]: x", "2026-13-21T16:31:02Z h sshd[1]: x",
        "1019-11-21T16:31:02Z h sshd[1]: x", "9999-11-21T16:31:02Z h sshd[1]: x", "<38> garbage",
        "srv sshd[12x]: x", "srv sshd[1234567890]: x", "Nov 21 16:31:02", "just two"}) {
    INFO(line);
    CHECK_FALSE(ParseSyslogLine(line, {}));
  }
}

TEST_CASE("a tag is prog[pid]: or prog: and nothing looser", "[parse]") {
  // Without a timestamp the [pid] is what makes "host tag: msg" a header, so these
  // lines stand or fall on the tag alone.
  for (const char* line :
       {"srv sshd[]: x", "srv sshd[12x]: x", "srv sshd[1234567890]: x", "srv sshd]x[1]: x",
        "srv [1]: x", "srv sshd[1]x: x", "srv sshd[1: x", "srv sshd[1]] x", "srv sshd[-1]: x"}) {
    INFO(line);
    CHECK_FALSE(ParseSyslogLine(line, {}));
  }
  const auto nine = ParseSyslogLine("srv sshd[123456789]: x", {});
  REQUIRE(nine);
  CHECK(nine->pid == 123456789);
  const auto dashed = ParseSyslogLine("Nov 21 16:31:02 srv sshd-session[7]: x", {});
  REQUIRE(dashed);
  CHECK(dashed->program == "sshd-session");
  CHECK(dashed->pid == 7);
  CHECK(dashed->message == "x");
  // A tag ends at the first space: "a: b: x" has no host, program "a", message "b: x".
  const auto spaced = ParseSyslogLine("Nov 21 16:31:02 a: b: x", {});
  REQUIRE(spaced);
  CHECK(spaced->host.empty());
  CHECK(spaced->program == "a");
  CHECK(spaced->message == "b: x");
  // With a timestamp a bracket inside the program name refuses the token as a tag.
  CHECK_FALSE(ParseSyslogLine("Nov 21 16:31:02 srv ss]hd[7]: x", {}));
}

TEST_CASE("IsSshdProgram knows the identifiers of every release", "[parse]") {
  CHECK(IsSshdProgram("sshd"));
  CHECK(IsSshdProgram("sshd-session"));
  CHECK(IsSshdProgram("sshd-auth"));
  CHECK_FALSE(IsSshdProgram("CRON"));
  CHECK_FALSE(IsSshdProgram("sshd-"));
}

}  // namespace
}  // namespace sshd_health

TEST_CASE("a line without a syslog header is a bare sshd message (sshd -E logs)", "[parse]") {
  const sshd_health::SyslogContext ctx{};
  const auto bare = sshd_health::RecordFromLine("Invalid user bob from 192.0.2.1 port 4242", ctx);
  CHECK(bare.program == "sshd");
  CHECK(bare.message == "Invalid user bob from 192.0.2.1 port 4242");
  CHECK_FALSE(bare.has_ts);
  CHECK(bare.pid == 0);
  const auto syslog = sshd_health::RecordFromLine("Nov 21 16:31:02 host cron[5]: job", ctx);
  CHECK(syslog.program == "cron");
  const auto crlf = sshd_health::RecordFromLine("Server listening on 0.0.0.0 port 22.\r\n", ctx);
  CHECK(crlf.message == "Server listening on 0.0.0.0 port 22.");
  CHECK(crlf.line == "Server listening on 0.0.0.0 port 22.");
}

TEST_CASE("a bare sshd message shaped like 'word word: text' is not taken for a header",
          "[parse]") {
  const sshd_health::SyslogContext ctx{};
  const auto r = sshd_health::RecordFromLine(
      "Authentication refused: bad ownership or modes for file /home/u/.ssh/authorized_keys", ctx);
  CHECK(r.program == "sshd");
  CHECK(r.message.substr(0, 22) == "Authentication refused");
}
