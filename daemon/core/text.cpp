#include "core/text.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace sshd_health {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  unsigned min_cp;
  unsigned cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1f;
    min_cp = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0f;
    min_cp = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07;
    min_cp = 0x10000;
  } else
    return 0;
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong forms, surrogates and out-of-range code points are not valid UTF-8.
  if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  // C1 controls (U+0080..U+009F) are escaped like C0 ones.
  if (cp >= 0x80 && cp <= 0x9f) return 0;
  return len;
}

void AppendHexEscape(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

// The length of the run of printable ASCII (0x20-0x7e) at the front of `s`: log lines and
// remedies are nearly all of it, so it is measured eight bytes at a time. A word has a
// byte outside the range when, for some byte b, b - 0x20 borrows, b + 1 reaches 0x80, or
// b has its top bit set; a borrow or carry can only flag a byte above a bad one, so the
// word check has no false negatives, and the bytes of a flagged word are looked at singly.
std::size_t PrintableRun(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (((w - 0x20 * kOnes) | (w + kOnes) | w) & kHigh) break;
  }
  while (i < s.size() && s[i] >= 0x20 && s[i] < 0x7f) ++i;
  return i;
}

}  // namespace

void AppendEscapedForOutput(std::string_view in, std::string& out, std::size_t max_len) {
  const std::size_t base = out.size();
  out.reserve(base + (in.size() < max_len ? in.size() : max_len));
  std::size_t i = 0;
  while (i < in.size()) {
    const std::size_t run = i + PrintableRun(in.substr(i));
    if (run > i) {
      const std::size_t room = max_len - (out.size() - base);
      if (run - i > room) {
        out.append(in.substr(i, room));
        out += "...";
        return;
      }
      out.append(in.substr(i, run - i));
      i = run;
      if (i == in.size()) return;
    }
    const auto c = static_cast<unsigned char>(in[i]);
    const std::size_t n = Utf8SequenceLength(in, i);
    const bool escape = n == 0 || c < 0x20 || c == 0x7f;
    const std::size_t piece = escape ? 4 : n;
    if (out.size() - base + piece > max_len) {
      out += "...";
      return;
    }
    if (escape) {
      AppendHexEscape(out, c);
      i += 1;
    } else {
      out.append(in.substr(i, n));
      i += n;
    }
  }
}

std::string EscapeForOutput(std::string_view in, std::size_t max_len) {
  std::string out;
  AppendEscapedForOutput(in, out, max_len);
  return out;
}

std::vector<std::string> SplitWords(std::string_view text, std::string_view separators) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find_first_of(separators, start), text.size());
    if (end > start) out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace sshd_health
