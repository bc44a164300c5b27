// Lines other programs write about sshd - rsyslog's repeat folding, journald's rate limit -
// and the catalogue of OpenSSH formats sshd-health knows and ignores, which tells an
// ignored line from one the parser does not understand.
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "parse/line_parser.h"

namespace sshd_health::parse_internal {

namespace {

constexpr char kAny = '\001';  // a printf conversion in known_formats.inc

constexpr Sv kKnownFormats[] = {
#include "parse/known_formats.inc"
};

// `text` matches `pattern`, where kAny stands for any run of bytes (possibly empty).
// Classic two-pointer glob: linear but for the retry after the last kAny.
bool Glob(Sv pattern, Sv text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = Sv::npos;
  std::size_t retry = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == kAny) {
      star = p++;
      retry = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != Sv::npos) {
      p = star + 1;
      t = ++retry;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == kAny) ++p;
  return p == pattern.size();
}

// The patterns by their first two bytes (a line that is no event costs a few globs, not
// hundreds); those whose first or second byte is a conversion are tried by one byte or
// always.
struct FormatIndex {
  std::unordered_map<std::uint16_t, std::vector<Sv>> by_two;
  std::array<std::vector<Sv>, 256> by_first;
  std::vector<Sv> any_first;
  static std::uint16_t Key(unsigned char a, unsigned char b) {
    return static_cast<std::uint16_t>(a << 8 | b);
  }
  FormatIndex() {
    for (Sv f : kKnownFormats) {
      if (f.empty() || f.front() == kAny) {
        any_first.push_back(f);
      } else if (f.size() < 2 || f[1] == kAny) {
        by_first[static_cast<unsigned char>(f.front())].push_back(f);
      } else {
        by_two[Key(static_cast<unsigned char>(f[0]), static_cast<unsigned char>(f[1]))].push_back(
            f);
      }
    }
  }
};

const FormatIndex& Index() {
  static const FormatIndex index;
  return index;
}

// rsyslog runtime/ratelimit.c: " message repeated %d times: [%.800s]" (the message keeps
// its leading space, after "program[pid]:"). `rest` follows "message repeated ".
bool SplitRepeated(Sv rest, int& times, Sv& inner) {
  const Sv count = scan::TakeUntil(rest, " ");
  if (!scan::ParseUint(count, times) || !ConsumePrefix(rest, "times: [")) return false;
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (!ConsumeSuffix(rest, "]")) return false;
  while (ConsumePrefix(rest, " ")) {
  }
  inner = rest;
  return !inner.empty() && times > 0;
}

}  // namespace

bool IsKnownIgnoredFormat(Sv msg) {
  const FormatIndex& index = Index();
  const auto glob_any = [msg](const std::vector<Sv>& patterns) {
    for (Sv f : patterns) {
      if (Glob(f, msg)) return true;
    }
    return false;
  };
  if (msg.size() >= 2) {
    const auto it = index.by_two.find(
        FormatIndex::Key(static_cast<unsigned char>(msg[0]), static_cast<unsigned char>(msg[1])));
    if (it != index.by_two.end() && glob_any(it->second)) return true;
  }
  return glob_any(index.by_first[static_cast<unsigned char>(msg.front())]) ||
         glob_any(index.any_first);
}

// rsyslog: "message repeated N times: [ <message>]" - the bracketed sshd message, N times:
// a brute force folded into repeats is still a brute force. The inner message is parsed
// as if logged alone (same program and PID); the event carries repeat = N.
bool LineParser::Repeated(Sv rest) {
  int times = 0;
  Sv inner;
  if (!SplitRepeated(rest, times, inner)) return false;
  LogRecord alone = rec_;
  alone.message = inner;
  LineParser nested(alone, s_, e_);
  if (!nested.Run()) return false;
  e_.repeat = times;
  e_.message = rec_.message;
  return true;
}

bool LineParser::KnownIgnored() const {
  if (ignored_ || p_.msg.empty()) return true;
  Sv rest = p_.msg;
  int times = 0;
  Sv inner;
  if (ConsumePrefix(rest, "message repeated ") && SplitRepeated(rest, times, inner)) {
    LogRecord alone = rec_;
    alone.message = inner;
    SshdEvent scratch;
    LineParser nested(alone, s_, scratch);
    return !nested.Run() && nested.KnownIgnored();
  }
  return IsKnownIgnoredFormat(p_.msg);
}

// rsyslog action.c (RepeatedMsgReduction, old form): "last message repeated %d times".
bool LastMessageRepeated(Sv message, int& times) {
  if (!ConsumePrefix(message, "last message repeated ")) return false;
  const Sv count = scan::TakeUntil(message, " ");
  return StartsWith(message, "time") && scan::ParseUint(count, times) && times > 0;
}

// systemd journald-server.c dispatch_message(): "Suppressed %u messages from %s" with the
// unit (newer) or its cgroup path (/system.slice/ssh.service): sshd lines were dropped.
bool JournalSuppressedLine(const LogRecord& rec, SshdEvent& out) {
  Sv rest = rec.message;
  if (!ConsumePrefix(rest, "Suppressed ")) return false;
  const Sv count = scan::TakeUntil(rest, " ");
  int n = 0;
  if (!scan::ParseUint(count, n) || !ConsumePrefix(rest, "messages from ")) return false;
  const Sv unit = rest.substr(rest.rfind('/') == Sv::npos ? 0 : rest.rfind('/') + 1);
  if (!StartsWith(unit, "ssh.service") && !StartsWith(unit, "sshd.service") &&
      !StartsWith(unit, "sshd@") && !StartsWith(unit, "ssh@")) {
    return false;
  }
  out.kind = EventKind::kJournalSuppressed;
  out.ts = rec.ts;
  out.has_ts = rec.has_ts;
  out.pid = rec.pid;
  out.host = rec.host;
  out.program = rec.program;
  out.message = rec.message;
  out.line = rec.line;
  out.ip.clear();
  out.port = 0;
  out.user.clear();
  out.detail.assign(count);
  out.detail += " messages from ";
  out.detail.append(rest);
  out.repeat = 1;
  return true;
}

}  // namespace sshd_health::parse_internal
