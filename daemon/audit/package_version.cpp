#include "audit/package_version.h"

#include <cctype>
#include <cstdint>

namespace sshd_health {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// dpkg's order(): '~' below the end of the string, letters below everything else.
int DebOrder(char c) {
  if (IsDigit(c)) return 0;
  if (IsAlpha(c)) return c;
  if (c == '~') return -1;
  if (c) return c + 256;
  return 0;
}

// dpkg's verrevcmp() (lib/dpkg/version.c): alternating non-digit and digit runs.
int DebVerRevCmp(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  const auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !IsDigit(a[i])) || (j < b.size() && !IsDigit(b[j]))) {
      const int ac = DebOrder(at(a, i));
      const int bc = DebOrder(at(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (at(a, i) == '0') ++i;
    while (at(b, j) == '0') ++j;
    while (IsDigit(at(a, i)) && IsDigit(at(b, j))) {
      if (!first_diff) first_diff = at(a, i) - at(b, j);
      ++i;
      ++j;
    }
    if (IsDigit(at(a, i))) return 1;
    if (IsDigit(at(b, j))) return -1;
    if (first_diff) return first_diff;
  }
  return 0;
}

struct Evr {
  std::uint64_t epoch = 0;
  std::string_view version;
  std::string_view release;
  bool has_release = false;
};

// Epoch before the first ':' when it is all digits; release after the last '-'.
Evr SplitEvr(std::string_view s) {
  Evr e;
  if (const auto colon = s.find(':'); colon != std::string_view::npos) {
    bool digits = colon > 0;
    std::uint64_t n = 0;
    for (std::size_t k = 0; k < colon; ++k) {
      if (!IsDigit(s[k])) {
        digits = false;
        break;
      }
      n = n * 10 + static_cast<unsigned>(s[k] - '0');
      if (n > (1ULL << 40)) break;  // absurd epochs compare as very large, never overflow
    }
    if (digits) {
      e.epoch = n;
      s = s.substr(colon + 1);
    }
  }
  if (const auto dash = s.rfind('-'); dash != std::string_view::npos) {
    e.release = s.substr(dash + 1);
    e.has_release = true;
    s = s.substr(0, dash);
  }
  e.version = s;
  return e;
}

int Sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

}  // namespace

int CompareDebianVersions(std::string_view a, std::string_view b) {
  const Evr x = SplitEvr(a), y = SplitEvr(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int r = DebVerRevCmp(x.version, y.version)) return Sign(r);
  // A missing revision is "" (dpkg), which sorts like "0".
  return Sign(DebVerRevCmp(x.release, y.release));
}

int RpmVerCmp(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  std::size_t i = 0, j = 0;
  const auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    while (i < a.size() && !IsAlnum(a[i]) && a[i] != '~' && a[i] != '^') ++i;
    while (j < b.size() && !IsAlnum(b[j]) && b[j] != '~' && b[j] != '^') ++j;
    // '~' sorts before anything, even the end.
    if (at(a, i) == '~' || at(b, j) == '~') {
      if (at(a, i) != '~') return 1;
      if (at(b, j) != '~') return -1;
      ++i;
      ++j;
      continue;
    }
    // '^' sorts after the end but before anything else.
    if (at(a, i) == '^' || at(b, j) == '^') {
      if (i >= a.size()) return -1;
      if (j >= b.size()) return 1;
      if (at(a, i) != '^') return 1;
      if (at(b, j) != '^') return -1;
      ++i;
      ++j;
      continue;
    }
    if (i >= a.size() || j >= b.size()) break;
    const std::size_t si = i, sj = j;
    const bool numeric = IsDigit(a[i]);
    if (numeric) {
      while (i < a.size() && IsDigit(a[i])) ++i;
      while (j < b.size() && IsDigit(b[j])) ++j;
    } else {
      while (i < a.size() && IsAlpha(a[i])) ++i;
      while (j < b.size() && IsAlpha(b[j])) ++j;
    }
    std::string_view sa = a.substr(si, i - si), sb = b.substr(sj, j - sj);
    // Segments of different types: numeric is newer.
    if (sb.empty()) return numeric ? 1 : -1;
    if (numeric) {
      while (!sa.empty() && sa.front() == '0') sa.remove_prefix(1);
      while (!sb.empty() && sb.front() == '0') sb.remove_prefix(1);
      if (sa.size() != sb.size()) return sa.size() > sb.size() ? 1 : -1;
    }
    if (const int r = sa.compare(sb)) return Sign(r);
  }
  if (i >= a.size() && j >= b.size()) return 0;
  // The one with segments left is newer.
  return i >= a.size() ? -1 : 1;
}

int CompareRpmVersions(std::string_view a, std::string_view b) {
  const Evr x = SplitEvr(a), y = SplitEvr(b);
  if (x.epoch != y.epoch) return x.epoch < y.epoch ? -1 : 1;
  if (int r = RpmVerCmp(x.version, y.version)) return r;
  if (!x.has_release || !y.has_release) return 0;
  return RpmVerCmp(x.release, y.release);
}

std::string UpstreamOfPackageVersion(std::string_view version) {
  const Evr e = SplitEvr(version);
  return std::string(e.version);
}

int CompareOpenSshVersions(std::string_view a, std::string_view b) { return RpmVerCmp(a, b); }

}  // namespace sshd_health
