#pragma once
// What every fuzz target checks beyond "no crash": helpers that abort (so libFuzzer
// records the input as a crash) with a message naming the broken property.
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/address.h"

namespace fuzz {

[[noreturn]] inline void Fail(const char* property, std::string_view detail) {
  std::fprintf(stderr, "\nPROPERTY VIOLATED: %s\n  %.*s\n", property,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void Check(bool ok, const char* property, std::string_view detail = {}) {
  if (!ok) Fail(property, detail);
}

/// Strict UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
inline bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

/// A C0 control character or DEL, other than those listed in `allowed`.
inline bool HasRawControl(std::string_view s, std::string_view allowed = {}) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 || c == 0x7f) && allowed.find(ch) == std::string_view::npos) return true;
  }
  return false;
}

/// Printable text for a failure message: the bytes escaped.
inline std::string Show(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

/// Output text a human or a line-based consumer reads: valid UTF-8, and no control
/// character but those in `allowed`.
inline void CheckCleanText(std::string_view s, const char* what, std::string_view allowed = {}) {
  if (!IsValidUtf8(s)) Fail(what, "not valid UTF-8: " + Show(s));
  if (HasRawControl(s, allowed)) Fail(what, "raw control character: " + Show(s));
}

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past
};

/// Calls `fn(begin, end, normalised)` for every maximal run of address characters
/// (letters, digits, '.', ':', '-', '_') of `line` that normalises to an address, also with
/// one trailing ':' cut ("from <ip>: ..."). `fn` returns true when the run matched (its
/// cut form is then not tried).
template <class Fn>
void ForEachAddressRun(std::string_view line, Fn fn) {
  const auto is_addr_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == ':' || c == '-' || c == '_';
  };
  std::size_t i = 0;
  while (i < line.size()) {
    if (!is_addr_char(line[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < line.size() && is_addr_char(line[j])) ++j;
    std::string_view run = line.substr(i, j - i);
    for (int cut = 0; cut < 2 && !run.empty(); ++cut) {
      if (const auto n = sshd_health::NormaliseAddress(run, true)) {
        if (fn(i, i + run.size(), *n)) break;
      }
      if (run.back() != ':') break;
      run.remove_suffix(1);  // one ':', as the parser cuts it: "2001:db8:::" is "2001:db8::" + ':'
    }
    i = j;
  }
}

/// Where `address` (a normalised address or host name, as SshdEvent::ip holds it) is
/// written in `line`.
inline std::vector<Span> AddressWitnesses(std::string_view line, std::string_view address) {
  std::vector<Span> out;
  ForEachAddressRun(line, [&](std::size_t b, std::size_t e, const std::string& n) {
    if (n != address) return false;
    out.push_back({b, e});
    return true;
  });
  return out;
}

/// Whether `line` writes an address inside `network` ("192.0.2.0/24", "2001:db8::/64"):
/// the label a rule grouping by a prefix (`ip/24/64`) gives its alert.
inline bool NetworkWitnessed(std::string_view line, std::string_view network) {
  const auto slash = network.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string net(network.substr(0, slash));
  const int bits = std::atoi(std::string(network.substr(slash + 1)).c_str());
  const int family = net.find(':') == std::string::npos ? AF_INET : AF_INET6;
  unsigned char want[16], have[16];
  if (::inet_pton(family, net.c_str(), want) != 1) return false;
  const int max_bits = family == AF_INET ? 32 : 128;
  if (bits < 0 || bits > max_bits) return false;
  bool found = false;
  ForEachAddressRun(line, [&](std::size_t, std::size_t, const std::string& n) {
    if (::inet_pton(family, n.c_str(), have) != 1) return false;
    int b = 0;
    for (; b < bits; ++b) {
      const unsigned char mask = static_cast<unsigned char>(0x80u >> (b % 8));
      if ((want[b / 8] & mask) != (have[b / 8] & mask)) break;
    }
    found = found || b == bits;
    return b == bits;
  });
  return found;
}

/// The event-address property for one line: the address occurs in `line`, and not only
/// inside the first place the user name is written. (Only the first: a user name may
/// legitimately repeat the address, "Invalid user 1.2.3.4 from 1.2.3.4", and the second
/// copy is then the address itself.) `earlier` holds the lines of the same session the
/// address may have been learnt from (attribution through the PID).
inline void CheckEventAddress(std::string_view line, std::string_view ip, std::string_view user,
                              const std::vector<std::string_view>& earlier = {}) {
  if (ip.empty()) return;
  const auto here = AddressWitnesses(line, ip);
  bool elsewhere = false;
  for (const auto& l : earlier) {
    if (!AddressWitnesses(l, ip).empty()) {
      elsewhere = true;
      break;
    }
  }
  if (here.empty()) {
    if (!elsewhere)
      Fail("event address occurs in the line", "ip=" + Show(ip) + " line=" + Show(line));
    return;
  }
  if (user.empty() || elsewhere) return;
  const auto u = line.find(user);
  if (u == std::string_view::npos) return;
  for (const auto& w : here) {
    if (w.begin < u || w.end > u + user.size()) return;  // one copy outside the user name
  }
  Fail("event address is not taken from inside the user name",
       "ip=" + Show(ip) + " user=" + Show(user) + " line=" + Show(line));
}

}  // namespace fuzz
