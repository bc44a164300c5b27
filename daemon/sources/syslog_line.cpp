#include "sources/syslog_line.h"

#include <algorithm>
#include <array>

#include "core/text_scan.h"
#include "sources/syslog_time.h"

namespace sshd_health {
namespace {

using Sv = std::string_view;
using scan::ExpectByte;
using scan::IsDigit;

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
  std::size_t after = static_cast<std::size_t>(p + 1 - line.data());
  int v = 0;
  if (!scan::ReadUint(line, after, 9, v)) return false;
  const char* const d = line.data() + after;
  if (end - d < 2 || d[0] != ']' || d[1] != ':' || (d + 2 != end && d[2] != ' ')) return false;
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

// The token at line[pos...] up to the next space or the end; pos moves to that space.
Sv NextToken(Sv line, std::size_t& pos) {
  const std::size_t start = pos;
  pos = std::min(line.find(' ', pos), line.size());
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
  if (!ExpectByte(line, pos, '1') || !ExpectByte(line, pos, ' ')) return false;
  if (line.substr(pos, 2) == "- ") {
    pos += 2;
  } else {
    if (!ParseIsoTime(line, pos, rec.ts) || !ExpectByte(line, pos, ' ')) return false;
    rec.has_ts = true;
  }
  const auto field = [&](Sv& out) {
    out = NextToken(line, pos);
    return ExpectByte(line, pos, ' ') && !out.empty();
  };
  Sv host, app, procid, msgid;
  if (!field(host) || !field(app) || !field(procid) || !field(msgid)) return false;
  rec.host = host == "-" ? Sv{} : host;
  rec.program = app == "-" ? Sv{} : app;
  rec.pid = 0;
  // A procid that is no number of at most 9 digits (a name, or too long for a pid)
  // leaves the pid 0.
  if (int v = 0; scan::ParseUint(procid, v)) rec.pid = v;
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
    if (pos == 1 || !ExpectByte(line, pos, '>')) return false;
    if (pos < line.size() && line[pos] == '1' && pos + 1 < line.size() && line[pos + 1] == ' ') {
      return ParseRfc5424(line, pos, rec);
    }
    line = line.substr(pos);  // rec.line keeps the priority: it is the line as read
    pos = 0;
    if (line.empty()) return false;  // "<38>" alone: nothing after the priority
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
