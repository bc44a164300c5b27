#include "parse/address.h"

#include <arpa/inet.h>

#include <cstring>

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

}  // namespace

bool IsIpAddress(std::string_view token) {
  char buf[kMaxIpText];
  if (!CopyToBuffer(token, buf)) return false;
  unsigned char out[sizeof(in6_addr)];
  if (token.find(':') != std::string_view::npos) return inet_pton(AF_INET6, buf, out) == 1;
  return inet_pton(AF_INET, buf, out) == 1;
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

std::optional<std::string> NormaliseIp(std::string_view token) {
  char buf[kMaxIpText];
  if (!CopyToBuffer(token, buf)) return std::nullopt;
  if (token.find(':') == std::string_view::npos) {
    in_addr a4{};
    if (inet_pton(AF_INET, buf, &a4) != 1) return std::nullopt;
    return std::string(token);  // inet_pton accepts only the canonical dotted quad
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, buf, &a6) != 1) return std::nullopt;
  char out[kMaxIpText];
  if (IsIpv4Mapped(a6)) {
    if (inet_ntop(AF_INET, a6.s6_addr + 12, out, sizeof out) == nullptr) return std::nullopt;
  } else if (inet_ntop(AF_INET6, &a6, out, sizeof out) == nullptr) {
    return std::nullopt;
  }
  return std::string(out);
}

std::optional<std::string> NormaliseAddress(std::string_view token, bool allow_host) {
  if (auto ip = NormaliseIp(token)) return ip;
  if (allow_host && IsHostName(token)) return std::string(token);
  return std::nullopt;
}

}  // namespace sshd_health
