#include "rules/group_key.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sshd_health {
namespace {

bool ParseBits(std::string_view text, int max, int& out) {
  if (text.empty() || text.size() > 3) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= max;
}

void Mask(unsigned char* bytes, std::size_t size, int bits) {
  for (std::size_t i = 0; i < size; ++i) {
    const int keep = std::clamp(bits - static_cast<int>(i * 8), 0, 8);
    bytes[i] &= static_cast<unsigned char>(0xff00 >> keep);
  }
}

void AppendCut(std::string_view s, std::size_t max_bytes, std::string& out) {
  out.append(s.substr(0, std::min(s.size(), max_bytes)));
}

}  // namespace

std::optional<KeyPart> ParseKeyPart(std::string_view text, std::string& error) {
  KeyPart part;
  const auto slash = text.find('/');
  const std::string_view name = text.substr(0, slash);
  if (name == "ip") {
    part.field = KeyField::kIp;
  } else if (name == "user") {
    part.field = KeyField::kUser;
  } else if (name == "detail") {
    part.field = KeyField::kDetail;
  } else if (name == "fingerprint") {
    part.field = KeyField::kFingerprint;
  } else {
    error =
        fmt::format("unknown key '{}' (known: ip, ip/N, ip/N/M, user, detail, fingerprint)", text);
    return std::nullopt;
  }
  if (slash == std::string_view::npos) return part;
  if (part.field != KeyField::kIp) {
    error = fmt::format("'{}': only ip takes a prefix length", text);
    return std::nullopt;
  }
  const std::string_view rest = text.substr(slash + 1);
  const auto second = rest.find('/');
  int a = 0;
  if (second == std::string_view::npos) {
    if (!ParseBits(rest, 128, a) || a == 0) {
      error = fmt::format("'{}': the prefix length must be 1-32 (IPv4) or 33-128 (IPv6)", text);
      return std::nullopt;
    }
    if (a <= 32) {
      part.v4_bits = a;
      part.v6_bits = 64;
    } else {
      part.v6_bits = a;
    }
    return part;
  }
  int b = 0;
  if (!ParseBits(rest.substr(0, second), 32, a) || a == 0 ||
      !ParseBits(rest.substr(second + 1), 128, b) || b == 0) {
    error = fmt::format("'{}': expected ip/V4/V6 with V4 in 1-32 and V6 in 1-128", text);
    return std::nullopt;
  }
  part.v4_bits = a;
  part.v6_bits = b;
  return part;
}

std::string KeyPartName(const KeyPart& part) {
  switch (part.field) {
    case KeyField::kUser:
      return "user";
    case KeyField::kDetail:
      return "detail";
    case KeyField::kFingerprint:
      return "fingerprint";
    case KeyField::kIp:
      break;
  }
  if (part.v4_bits == 32 && part.v6_bits == 128) return "ip";
  return fmt::format("ip/{}/{}", part.v4_bits, part.v6_bits);
}

std::string GroupKeyName(const GroupKey& key) {
  std::string out;
  for (const KeyPart& p : key) {
    if (!out.empty()) out += ", ";
    out += KeyPartName(p);
  }
  return out;
}

void AppendKeyValue(const KeyPart& part, const SshdEvent& e, std::size_t max_bytes,
                    std::string& out) {
  switch (part.field) {
    case KeyField::kUser:
      return AppendCut(e.user, max_bytes, out);
    case KeyField::kDetail:
      return AppendCut(e.detail, max_bytes, out);
    case KeyField::kFingerprint:
      return AppendCut(FingerprintOf(e.message), max_bytes, out);
    case KeyField::kIp:
      break;
  }
  if ((part.v4_bits == 32 && part.v6_bits == 128) || e.ip.empty() || e.ip.size() > 64) {
    return AppendCut(e.ip, max_bytes, out);
  }
  char text[64];
  std::memcpy(text, e.ip.data(), e.ip.size());
  text[e.ip.size()] = '\0';
  unsigned char bytes[16];
  int family = 0;
  int bits = 0;
  if (inet_pton(AF_INET, text, bytes) == 1) {
    family = AF_INET;
    bits = part.v4_bits;
    Mask(bytes, 4, bits);
  } else if (inet_pton(AF_INET6, text, bytes) == 1) {
    family = AF_INET6;
    bits = part.v6_bits;
    Mask(bytes, 16, bits);
  } else {
    return AppendCut(e.ip, max_bytes, out);  // a host name (UseDNS): no prefix to take
  }
  char net[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes, net, sizeof net) == nullptr) return AppendCut(e.ip, max_bytes, out);
  out += net;
  out += '/';
  out += std::to_string(bits);
}

std::string_view FingerprintOf(std::string_view message) {
  // Only key methods end in key info; a password line's user name may imitate one.
  if (message.rfind("Accepted publickey ", 0) != 0 && message.rfind("Partial publickey ", 0) != 0 &&
      message.rfind("Accepted hostbased ", 0) != 0)
    return {};
  const auto at = message.rfind("ssh2: ");
  if (at == std::string_view::npos) return {};
  std::string_view rest = message.substr(at + 6);
  const auto sp = rest.find(' ');  // "ED25519 SHA256:..." or "ED25519-CERT SHA256:... ID ..."
  if (sp == std::string_view::npos) return {};
  rest = rest.substr(sp + 1);
  rest = rest.substr(0, rest.find(' '));
  if (rest.rfind("SHA256:", 0) != 0 && rest.rfind("MD5:", 0) != 0) return {};
  return rest;
}

}  // namespace sshd_health
