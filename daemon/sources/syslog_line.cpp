#include "sources/syslog_line.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "core/text_scan.h"

namespace sshd_health {
namespace {

using Sv = std::string_view;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos...]; advances pos.
bool ReadDigits(Sv s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool Expect(Sv s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// An optional ".ddd..." fraction of a second, kept to microseconds.
bool ReadFraction(Sv s, std::size_t& pos, std::int64_t& micros) {
  micros = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  ++pos;
  int digits = 0;
  for (; pos < s.size() && IsDigit(s[pos]); ++pos) {
    if (digits < 6) {
      micros = micros * 10 + (s[pos] - '0');
      ++digits;
    }
  }
  if (digits == 0) return false;
  for (; digits < 6; ++digits) micros *= 10;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2) / 5 +
                       static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool ValidDate(int mon, int day, int h, int mi, int s) {
  return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && h <= 23 && mi <= 59 && s <= 60;
}

// Local wall-clock time to epoch seconds. mktime consults the time zone on every call,
// so the result for the start of each hour is cached per thread: a log is read in order
// and one hour holds thousands of lines.
std::int64_t LocalToEpoch(int year, int mon, int day, int h, int mi, int s) {
  struct Cache {
    int year = -1, mon = 0, day = 0, hour = 0;
    std::int64_t epoch = 0;
  };
  thread_local Cache cache;
  if (cache.year != year || cache.mon != mon || cache.day != day || cache.hour != h) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_isdst = -1;
    cache = Cache{year, mon, day, h, static_cast<std::int64_t>(std::mktime(&tm))};
  }
  return cache.epoch + mi * 60 + s;
}

int LocalYear(TimePoint reference) {
  thread_local std::time_t last_ref = -1;
  thread_local int last_year = 1970;
  const std::time_t t = SystemClock::to_time_t(reference);
  if (t != last_ref) {
    std::tm tm{};
    localtime_r(&t, &tm);
    last_ref = t;
    last_year = tm.tm_year + 1900;
  }
  return last_year;
}

// "Jan".."Dec" -> 1..12, else 0. Packs the three bytes into one integer so every
// line costs one switch rather than up to twelve compares.
int MonthFromName(Sv s) {
  if (s.size() != 3) return 0;
  const auto key = static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) << 16 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
                   static_cast<std::uint32_t>(static_cast<unsigned char>(s[2]));
  constexpr auto K = [](const char (&m)[4]) {
    return static_cast<std::uint32_t>(m[0]) << 16 | static_cast<std::uint32_t>(m[1]) << 8 |
           static_cast<std::uint32_t>(m[2]);
  };
  switch (key) {
    case K("Jan"): return 1;
    case K("Feb"): return 2;
    case K("Mar"): return 3;
    case K("Apr"): return 4;
    case K("May"): return 5;
    case K("Jun"): return 6;
    case K("Jul"): return 7;
    case K("Aug"): return 8;
    case K("Sep"): return 9;
    case K("Oct"): return 10;
    case K("Nov"): return 11;
    case K("Dec"): return 12;
    default: return 0;
  }
}

// The last "Mmm dd hh" prefix of a classic timestamp and the epoch second its hour began
// in the reference year: a log has thousands of lines per hour, and for those only the
// minutes and seconds are left to read.
struct ClassicHourCache {
  char prefix[9] = {};
  TimePoint ref = TimePoint::min();  // the reference it was resolved against
  std::int64_t hour_epoch = 0;
  std::int64_t max_epoch = 0;  // later than this is last year's line (ref + 1 day)
};

std::int64_t EpochSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TimePoint FromEpoch(std::int64_t epoch, std::int64_t micros) {
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{epoch} +
                                                                   std::chrono::microseconds{micros})};
}

// "Nov 21 16:31:02 " (day space- or zero-padded, or bare "Nov 5"). Year from ctx.
bool ParseClassicTime(Sv line, std::size_t& pos, const SyslogContext& ctx, TimePoint& ts) {
  if (line.size() < 15) return false;
  thread_local ClassicHourCache cache;
  // The fixed layout "Mmm dd hh:mm:ss" of the cached hour.
  if (line.size() >= 16 && cache.ref == ctx.reference && std::memcmp(line.data(), cache.prefix, 9) == 0 &&
      line[9] == ':' && line[12] == ':') {
    std::size_t p = 10;
    int mi = 0, sec = 0;
    std::int64_t micros = 0;
    if (ReadDigits(line, p, 2, mi) && Expect(line, p, ':') && ReadDigits(line, p, 2, sec) && mi <= 59 &&
        sec <= 60 && (line[p] != '.' || ReadFraction(line, p, micros))) {
      const std::int64_t epoch = cache.hour_epoch + mi * 60 + sec;
      if (epoch <= cache.max_epoch) {  // else: last year's line, resolved below
        ts = FromEpoch(epoch, micros);
        pos = p;
        return true;
      }
    }
  }
  const std::int64_t ref = EpochSeconds(ctx.reference);
  const int mon = MonthFromName(line.substr(0, 3));
  if (mon == 0 || line[3] != ' ') return false;
  std::size_t p = 4;
  if (line[p] == ' ') ++p;
  int day = 0;
  if (p + 1 < line.size() && IsDigit(line[p]) && IsDigit(line[p + 1])) {
    day = (line[p] - '0') * 10 + (line[p + 1] - '0');
    p += 2;
  } else if (p < line.size() && IsDigit(line[p])) {
    day = line[p] - '0';
    p += 1;
  } else {
    return false;
  }
  int h = 0, mi = 0, s = 0;
  if (!Expect(line, p, ' ') || !ReadDigits(line, p, 2, h) || !Expect(line, p, ':') ||
      !ReadDigits(line, p, 2, mi) || !Expect(line, p, ':') || !ReadDigits(line, p, 2, s)) {
    return false;
  }
  if (!ValidDate(mon, day, h, mi, s)) return false;
  // journalctl -o short-precise: "Nov 21 16:31:02.123456".
  std::int64_t micros = 0;
  if (!ReadFraction(line, p, micros)) return false;
  const int year = LocalYear(ctx.reference);
  std::int64_t epoch = LocalToEpoch(year, mon, day, h, mi, s);
  if (p >= 15 && line[9] == ':') {  // the fixed layout: remember its hour
    std::memcpy(cache.prefix, line.data(), 9);
    cache.ref = ctx.reference;
    cache.hour_epoch = epoch - mi * 60 - s;
    cache.max_epoch = ref + 86400;
  }
  // A December line read in January belongs to last year.
  if (epoch > ref + 86400) epoch = LocalToEpoch(year - 1, mon, day, h, mi, s);
  ts = FromEpoch(epoch, micros);
  pos = p;
  return true;
}

// "2026-11-21T16:31:02[.123456](Z|+00:00)"; without an offset the time is local.
bool ParseIsoTime(Sv line, std::size_t& pos, TimePoint& ts) {
  std::size_t p = pos;
  int y = 0, mon = 0, day = 0, h = 0, mi = 0, s = 0;
  if (!ReadDigits(line, p, 4, y) || !Expect(line, p, '-') || !ReadDigits(line, p, 2, mon) ||
      !Expect(line, p, '-') || !ReadDigits(line, p, 2, day) ||
      !(Expect(line, p, 'T') || Expect(line, p, ' ')) || !ReadDigits(line, p, 2, h) ||
      !Expect(line, p, ':') || !ReadDigits(line, p, 2, mi) || !Expect(line, p, ':') ||
      !ReadDigits(line, p, 2, s)) {
    return false;
  }
  // TimePoint counts nanoseconds: it spans 1678-2262. Logs are far inside that.
  if (y < 1970 || y > 2200 || !ValidDate(mon, day, h, mi, s)) return false;
  std::int64_t micros = 0;
  if (!ReadFraction(line, p, micros)) return false;
  std::int64_t epoch = 0;
  if (p < line.size() && line[p] == 'Z') {
    ++p;
    epoch = DaysFromCivil(y, mon, day) * 86400 + h * 3600 + mi * 60 + s;
  } else if (p < line.size() && (line[p] == '+' || line[p] == '-')) {
    const int sign = line[p] == '-' ? -1 : 1;
    ++p;
    int oh = 0, om = 0;
    if (!ReadDigits(line, p, 2, oh)) return false;
    Expect(line, p, ':');
    if (!ReadDigits(line, p, 2, om)) return false;
    epoch = DaysFromCivil(y, mon, day) * 86400 + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
  } else {
    epoch = LocalToEpoch(y, mon, day, h, mi, s);
  }
  ts = TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{epoch} +
                                                                  std::chrono::microseconds{micros})};
  pos = p;
  return true;
}

// True when `s` holds '[' or ']' (or ':' when `colon`).
bool HasTagSyntax(Sv s, bool colon) {
  for (const char c : s) {
    if (c == '[' || c == ']' || (colon && c == ':')) return true;
  }
  return false;
}

// Reads a "prog[pid]:" or "prog:" tag at line[pos...], up to the space (or end) after it,
// and moves pos there. One pass over the line, as every line has a tag: the program runs
// to the first '[', which must open the "[pid]:" that ends the token; no ']' may come
// before it; without a '[' the token must end in ':' (the program may hold ':').
bool ParseTagAt(Sv line, std::size_t& pos, LogRecord& rec) {
  const char* const begin = line.data() + pos;
  const char* const end = line.data() + line.size();
  // One table load per byte instead of three compares: the program name is scanned on
  // every line.
  static constexpr auto kStop = [] {
    std::array<bool, 256> stop{};
    stop[' '] = stop['['] = stop[']'] = true;
    return stop;
  }();
  const char* p = begin;
  while (p != end && !kStop[static_cast<unsigned char>(*p)]) ++p;
  if (p == end || *p == ' ') {
    if (p - begin < 2 || p[-1] != ':') return false;
    rec.program = Sv(begin, static_cast<std::size_t>(p - 1 - begin));
    rec.pid = 0;
    pos = static_cast<std::size_t>(p - line.data());
    return true;
  }
  if (*p == ']' || p == begin) return false;
  // The pid: 1-9 digits between '[' and the "]:" that ends the token.
  const char* d = p + 1;
  const char* const last = end - p > 10 ? p + 10 : end;  // past the 9th digit at most
  int v = 0;
  for (unsigned digit; d != last && (digit = static_cast<unsigned>(*d - '0')) <= 9; ++d) {
    v = v * 10 + static_cast<int>(digit);
  }
  if (d == p + 1 || end - d < 2 || d[0] != ']' || d[1] != ':' || (d + 2 != end && d[2] != ' ')) return false;
  rec.pid = v;
  rec.program = Sv(begin, static_cast<std::size_t>(p - begin));
  pos = static_cast<std::size_t>(d + 2 - line.data());
  return true;
}

// Splits "prog[pid]:" / "prog:" / "[prog]:" / "[prog]" (the last two are how some
// syslog daemons render an empty host). Returns false when the token is no tag.
bool ParseTag(Sv token, LogRecord& rec) {
  if (token.size() >= 2 && token.front() == '[') {
    Sv t = token.substr(1);
    if (!t.empty() && t.back() == ':') t.remove_suffix(1);
    if (t.empty() || t.back() != ']') return false;
    t.remove_suffix(1);
    if (t.empty() || HasTagSyntax(t, true)) return false;
    rec.program = t;
    rec.pid = 0;
    return true;
  }
  // ParseTagAt stops at a space, so a token holding one never ends where it stopped.
  std::size_t pos = 0;
  return ParseTagAt(token, pos, rec) && pos == token.size();
}

// scan::FindByte, not find(): host and tag tokens are a few bytes, shorter than a memchr
// call costs.
Sv NextToken(Sv line, std::size_t& pos) {
  const std::size_t start = pos;
  pos = scan::FindByte(line, ' ', pos);
  return line.substr(start, pos - start);
}

void SkipSpaces(Sv line, std::size_t& pos) {
  while (pos < line.size() && line[pos] == ' ') ++pos;
}

// After the timestamp (or at the start, for journal short lines): "[host] tag msg".
bool ParseHostTagMessage(Sv line, std::size_t pos, bool host_optional, LogRecord& rec) {
  SkipSpaces(line, pos);
  const Sv first = NextToken(line, pos);
  if (first.empty()) return false;
  // Only "...:" or "[...]" can be a tag: the test spares a host name, which nearly every
  // line has, the call.
  const bool may_be_tag = first.back() == ':' || first.front() == '[';
  if (host_optional && may_be_tag && ParseTag(first, rec)) {
    rec.host = {};
  } else {
    rec.host = first;
    SkipSpaces(line, pos);
    const bool tag = pos < line.size() && line[pos] == '[' ? ParseTag(NextToken(line, pos), rec)
                                                          : ParseTagAt(line, pos, rec);
    if (!tag) return false;
  }
  if (pos < line.size() && line[pos] == ' ') ++pos;
  rec.message = line.substr(pos);
  return true;
}

// "<38>1 2019-07-08T17:40:16.954167-04:00 host app procid msgid [sd...] msg"
bool ParseRfc5424(Sv line, std::size_t pos, LogRecord& rec) {
  if (!Expect(line, pos, '1') || !Expect(line, pos, ' ')) return false;
  if (line.substr(pos, 2) == "- ") {
    pos += 2;
  } else {
    if (!ParseIsoTime(line, pos, rec.ts) || !Expect(line, pos, ' ')) return false;
    rec.has_ts = true;
  }
  const auto field = [&](Sv& out) {
    out = NextToken(line, pos);
    return Expect(line, pos, ' ') && !out.empty();
  };
  Sv host, app, procid, msgid;
  if (!field(host) || !field(app) || !field(procid) || !field(msgid)) return false;
  rec.host = host == "-" ? Sv{} : host;
  rec.program = app == "-" ? Sv{} : app;
  rec.pid = 0;
  if (procid != "-" && procid.size() <= 9) {
    int v = 0;
    bool digits = true;
    for (const char c : procid) {
      if (!IsDigit(c)) digits = false;
      v = v * 10 + (c - '0');
    }
    if (digits) rec.pid = v;
  }
  // Structured data: "-" or one or more "[id k=\"v\" ...]"; values are quoted and may
  // hold ']' (escaped or not) and escaped quotes.
  if (pos < line.size() && line[pos] == '-') {
    ++pos;
  } else {
    if (pos >= line.size() || line[pos] != '[') return false;
    while (pos < line.size() && line[pos] == '[') {
      bool in_quotes = false;
      ++pos;
      for (; pos < line.size(); ++pos) {
        const char c = line[pos];
        if (c == '\\' && pos + 1 < line.size()) {
          ++pos;
        } else if (c == '"') {
          in_quotes = !in_quotes;
        } else if (c == ']' && !in_quotes) {
          break;
        }
      }
      if (pos >= line.size()) return false;
      ++pos;  // past ']'
    }
  }
  if (pos < line.size() && line[pos] == ' ') ++pos;
  Sv msg = line.substr(pos);
  if (msg.substr(0, 3) == "\xEF\xBB\xBF") msg.remove_prefix(3);  // RFC 5424 BOM
  rec.message = msg;
  return true;
}

}  // namespace

namespace {

// Fills `rec` in place, so the hot path (RecordFromLine) copies no record through
// std::optional. REQUIRES: `rec` is fresh.
bool ParseSyslogLineInto(std::string_view line, const SyslogContext& ctx, LogRecord& rec) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  rec.line = line;
  if (line.empty()) return false;
  std::size_t pos = 0;
  if (line[0] == '<') {
    // "<PRI>" then RFC 5424 ("1 ...") or an RFC 3164 line with its priority kept.
    pos = 1;
    while (pos < line.size() && pos <= 4 && IsDigit(line[pos])) ++pos;
    if (pos == 1 || !Expect(line, pos, '>')) return false;
    if (pos < line.size() && line[pos] == '1' && pos + 1 < line.size() && line[pos + 1] == ' ') {
      return ParseRfc5424(line, pos, rec);
    }
    line = line.substr(pos);  // rec.line keeps the priority: it is the line as read
    pos = 0;
  }
  if (IsDigit(line[0])) {
    if (!ParseIsoTime(line, pos, rec.ts)) return false;
    rec.has_ts = true;
    return ParseHostTagMessage(line, pos, true, rec);
  }
  if (line.size() >= 4 && line[3] == ' ' && MonthFromName(line.substr(0, 3)) != 0) {
    if (!ParseClassicTime(line, pos, ctx, rec.ts)) return false;
    rec.has_ts = true;
    return ParseHostTagMessage(line, pos, true, rec);
  }
  // journalctl short form without a timestamp: "host prog[pid]: msg". The [pid] is
  // required: without a timestamp "word word: text" is too weak a sign of a header, and
  // bare sshd messages (sshd -E logs) such as "Authentication refused: bad ownership or
  // modes ..." have exactly that shape.
  return ParseHostTagMessage(line, 0, false, rec) && rec.pid != 0;
}

}  // namespace

std::optional<LogRecord> ParseSyslogLine(std::string_view line, const SyslogContext& ctx) {
  LogRecord rec;
  if (!ParseSyslogLineInto(line, ctx, rec)) return std::nullopt;
  return rec;
}


LogRecord RecordFromLine(std::string_view line, const SyslogContext& ctx) {
  LogRecord rec;  // one named record: returned without a copy
  if (ParseSyslogLineInto(line, ctx, rec)) return rec;
  // sshd -E ends its lines in "\r\n" (log.c do_log).
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  rec = LogRecord{};
  rec.program = "sshd";
  rec.message = line;
  rec.line = line;
  return rec;
}

}  // namespace sshd_health
