#include "parse/address.h"

#include <arpa/inet.h>

#include <cstring>

#include "core/ip_text.h"
#include "core/text_scan.h"

namespace sshd_health {
namespace {

// Longest textual IPv6 address (with an IPv4 tail) plus the terminating NUL.
constexpr std::size_t kMaxIpText = INET6_ADDRSTRLEN;

// inet_pton wants a NUL-terminated string; copy into a stack buffer.
bool CopyToBuffer(std::string_view token, char (&buf)[kMaxIpText]) {
  if (token.empty() || token.size() >= kMaxIpText) return false;
  std::memcpy(buf, token.data(), token.size());
  buf[token.size()] = '\0';
  return true;
}

bool IsIpv4Mapped(const in6_addr& a) {
  static constexpr unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.s6_addr, kPrefix, sizeof kPrefix) == 0;
}

// inet_pton(AF_INET)'s grammar, written out: four decimal parts of 1-3 digits, each at
// most 255, no leading zeros ("010" is refused). Nearly every sshd line carries an IPv4
// address, and the copy into a NUL-terminated buffer plus the libc call cost more than
// this check.
bool IsDottedQuad(std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  const auto digit = [&](unsigned& d) {
    if (p == end) return false;
    d = static_cast<unsigned>(static_cast<unsigned char>(*p)) - '0';
    return d <= 9;
  };
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (p == end || *p != '.') return false;
      ++p;
    }
    unsigned value = 0, d = 0;
    if (!digit(value)) return false;
    ++p;
    if (digit(d)) {
      if (value == 0) return false;  // a leading zero
      value = value * 10 + d;
      ++p;
      if (digit(d)) {
        value = value * 10 + d;
        ++p;
        if (value > 255) return false;
      }
    }
  }
  return p == end;
}

}  // namespace

// Every caller tries the dotted quad first: it is nearly every address, and a failed
// check costs less than the memchr for ':' that would pick the family.
bool IsIpAddress(std::string_view token) {
  if (IsDottedQuad(token)) return true;
  if (token.find(':') == std::string_view::npos) return false;
  char buf[kMaxIpText];
  if (!CopyToBuffer(token, buf)) return false;
  unsigned char out[sizeof(in6_addr)];
  return inet_pton(AF_INET6, buf, out) == 1;
}

bool IsHostName(std::string_view token) {
  if (token.empty() || token.size() > 253) return false;
  std::size_t label = 0;
  for (const char c : token) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return token.front() != '-';
}

namespace {

// The canonical spelling of an IPv6 token (or the IPv4 address it maps) into `out`.
bool NormaliseIpv6To(std::string_view token, std::string& out) {
  char buf[kMaxIpText];
  if (!CopyToBuffer(token, buf)) return false;
  in6_addr a6{};
  if (inet_pton(AF_INET6, buf, &a6) != 1) return false;
  char text[kMaxIpText];
  const std::size_t n =
      IsIpv4Mapped(a6) ? static_cast<std::size_t>(AppendDottedQuad(text, a6.s6_addr + 12) - text)
                       : FormatIpv6(a6.s6_addr, text);
  scan::SetText(out, std::string_view(text, n));
  return true;
}

bool NormaliseIpTo(std::string_view token, std::string& out) {
  if (IsDottedQuad(token)) {
    scan::SetText(out, token);  // a dotted quad without leading zeros is canonical
    return true;
  }
  return token.find(':') != std::string_view::npos && NormaliseIpv6To(token, out);
}

}  // namespace

std::optional<std::string> NormaliseIp(std::string_view token) {
  std::string out;
  if (!NormaliseIpTo(token, out)) return std::nullopt;
  return out;
}

bool NormaliseAddressTo(std::string_view token, bool allow_host, std::string& out) {
  if (NormaliseIpTo(token, out)) return true;
  if (!allow_host || !IsHostName(token)) return false;
  scan::SetText(out, token);
  return true;
}

std::optional<std::string> NormaliseAddress(std::string_view token, bool allow_host) {
  std::string out;
  if (!NormaliseAddressTo(token, allow_host, out)) return std::nullopt;
  return out;
}

}  // namespace sshd_health
