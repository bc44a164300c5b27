#pragma once
// Small string_view helpers the sshd parser matches OpenSSH's formats with. None of them
// allocates; each answers one question about fixed text at a known end of a message.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sshd_health::scan {

using Sv = std::string_view;

// Equality through memcmp(...) == 0, not string_view's ==: with a literal's constant size
// the compiler turns an equality-only memcmp into a few loads, where an ordering compare
// stays a library call - and these run several times per line.
inline bool StartsWith(Sv s, Sv p) {
  return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}
inline bool EndsWith(Sv s, Sv p) {
  return s.size() >= p.size() &&
         std::memcmp(s.data() + s.size() - p.size(), p.data(), p.size()) == 0;
}

/// Removes `p` from the front of `s` when it is there.
inline bool ConsumePrefix(Sv& s, Sv p) {
  if (!StartsWith(s, p)) return false;
  s.remove_prefix(p.size());
  return true;
}

/// Removes `p` from the back of `s` when it is there.
inline bool ConsumeSuffix(Sv& s, Sv p) {
  if (!EndsWith(s, p)) return false;
  s.remove_suffix(p.size());
  return true;
}

/// s.find(needle, from) for a needle of at least two bytes. sshd's anchors (" from ",
/// " port ") start with a space, and string_view::find runs a memchr and a compare for
/// every space of the line; this one runs memchr for the needle's second byte, which is a
/// rarer one, and checks the rest where it lands.
inline std::size_t Find(Sv s, Sv needle, std::size_t from = 0) {
  if (needle.size() < 2) return s.find(needle, from);
  const std::size_t n = needle.size();
  for (std::size_t i = from + 1; i + n <= s.size() + 1;) {
    const void* hit = std::memchr(s.data() + i, needle[1], s.size() - i);
    if (hit == nullptr) return Sv::npos;
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data()) - 1;
    if (at + n <= s.size() && std::memcmp(s.data() + at, needle.data(), n) == 0) return at;
    i = at + 2;
  }
  return Sv::npos;
}

/// s = v, for `v` that is not a piece of `s` (a piece of a log line). assign() goes
/// through basic_string::_M_replace, which handles every overlap and costs more per call
/// than the copy of a short token; the parser copies several per line.
inline void SetText(std::string& s, Sv v) {
  s.clear();
  s.append(v.data(), v.size());
}

/// a == b for short texts asked on every line (a host name against the last one): word by
/// word inline, where a call into libc's memcmp costs more than the few bytes compared.
/// Safe for empty views, whose data() may be null (memcmp's arguments may not be).
inline bool SameText(Sv a, Sv b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// Moves `pos` past `c` when s[pos] is `c`.
inline bool ExpectByte(Sv s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

/// Reads the digits at s[pos...], at most `max_digits` (<= 9) of them, into `out` and
/// moves `pos` past them; false, with nothing changed, when s[pos] is no digit. A byte is
/// checked before it is added, so no input overflows an int. REQUIRES: pos <= s.size().
inline bool ReadUint(Sv s, std::size_t& pos, std::size_t max_digits, int& out) {
  const std::size_t end = s.size() - pos < max_digits ? s.size() : pos + max_digits;
  std::size_t i = pos;
  int v = 0;
  for (; i < end && IsDigit(s[i]); ++i) v = v * 10 + (s[i] - '0');
  if (i == pos) return false;
  out = v;
  pos = i;
  return true;
}

/// A decimal number of 1-9 digits, nothing else.
inline bool ParseUint(Sv s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  int v = 0;
  for (const char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

/// A TCP port: 0-65535.
inline bool ParsePort(Sv s, int& out) { return ParseUint(s, out) && s.size() <= 5 && out <= 65535; }

/// The text before the first `sep`, moving `s` past it; the whole of `s` when absent.
inline Sv TakeUntil(Sv& s, Sv sep) {
  const auto i = s.find(sep);
  if (i == Sv::npos) {
    const Sv all = s;
    s = {};
    return all;
  }
  const Sv head = s.substr(0, i);
  s.remove_prefix(i + sep.size());
  return head;
}

/// Splits "<rest> port <n>" at its end; false (and nothing changed) when absent.
inline bool ConsumeTrailingPort(Sv& s, int& port) {
  const auto i = s.rfind(" port ");
  if (i == Sv::npos) return false;
  int p = 0;
  if (!ParsePort(s.substr(i + 6), p)) return false;
  port = p;
  s = s.substr(0, i);
  return true;
}

/// The last space-separated token of `s`; `before` gets the text ahead of its space
/// (empty when the token is all of `s`).
inline Sv LastToken(Sv s, Sv& before) {
  const auto i = s.rfind(' ');
  if (i == Sv::npos) {
    before = {};
    return s;
  }
  before = s.substr(0, i);
  return s.substr(i + 1);
}

}  // namespace sshd_health::scan
