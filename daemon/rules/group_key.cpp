#include "rules/group_key.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/ip_text.h"

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

// Dotted-quad IPv4, each part 0-255 without a sign: what NormaliseIp writes.
bool ParseIpv4(std::string_view s, std::uint32_t& out) {
  out = 0;
  for (int part = 0; part < 4; ++part) {
    std::size_t n = 0;
    unsigned v = 0;
    while (n < s.size() && n < 3 && s[n] >= '0' && s[n] <= '9') v = v * 10 + unsigned(s[n++] - '0');
    if (n == 0 || v > 255) return false;
    out = (out << 8) | v;
    s.remove_prefix(n);
    if (part < 3) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

// Where the three dots of a dotted quad of digits are (what the parser writes for IPv4),
// or false for any other text (a host name sshd logged under UseDNS).
bool DotsOfQuad(std::string_view s, std::size_t (&dot_at)[3]) {
  if (s.size() < 7 || s.size() > 15) return false;
  int dots = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      if (dots == 3) return false;
      dot_at[dots++] = i;
    } else if (static_cast<unsigned char>(c - '0') > 9) {
      return false;
    }
  }
  return dots == 3;
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
  } else if (name == "host") {
    part.field = KeyField::kHost;
  } else {
    error = fmt::format(
        "unknown key '{}' (known: ip, ip/N, ip/N/M, user, detail, fingerprint, host)", text);
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
    case KeyField::kHost:
      return "host";
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
    case KeyField::kHost:
      return AppendCut(e.host, max_bytes, out);
    case KeyField::kIp:
      break;
  }
  if (e.ip.empty() || e.ip.size() > 64) return AppendCut(e.ip, max_bytes, out);
  const bool v6 = IsIpv6Text(e.ip);
  // A whole address is the address itself (the parser wrote it canonically): no prefix
  // shown, nothing to compute on the hot path.
  if (!v6 && part.v4_bits == 32) return AppendCut(e.ip, max_bytes, out);
  if (v6 && part.v6_bits == 128) return AppendCut(e.ip, max_bytes, out);
  // A byte-aligned IPv4 prefix (/8, /16, /24: the common ones) is a cut of the address's
  // text, which the parser wrote canonically (no leading zeros): no parse, no formatting.
  std::size_t dot_at[3];
  if (!v6 && part.v4_bits % 8 == 0 && DotsOfQuad(e.ip, dot_at)) {
    const int keep = part.v4_bits / 8;  // 1-3 (32 was handled above, 0 is not parsed)
    // "192.0.2." + "0/24": the kept octets with their dot, then a zero per cut octet.
    const std::string_view tail = keep == 1 ? "0.0.0/8" : keep == 2 ? "0.0/16" : "0/24";
    char buf[32];
    const std::size_t head = dot_at[keep - 1] + 1;
    std::memcpy(buf, e.ip.data(), head);
    std::memcpy(buf + head, tail.data(), tail.size());
    out.append(buf, head + tail.size());
    return;
  }
  std::uint32_t v4 = 0;
  if (!v6 && ParseIpv4(e.ip, v4)) {
    // IPv4 by hand: inet_pton/inet_ntop go through stdio formatting, per event.
    const int bits = part.v4_bits;
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    v4 &= mask;
    char buf[24];
    char* p = buf;
    for (int shift = 24; shift >= 0; shift -= 8) {
      p = std::to_chars(p, buf + sizeof buf, (v4 >> shift) & 0xff).ptr;
      *p++ = shift > 0 ? '.' : '/';
    }
    p = std::to_chars(p, buf + sizeof buf, bits).ptr;
    out.append(buf, p);
    return;
  }
  char text[65];
  std::memcpy(text, e.ip.data(), e.ip.size());
  text[e.ip.size()] = '\0';
  unsigned char bytes[16];
  if (!v6 || inet_pton(AF_INET6, text, bytes) != 1) {
    return AppendCut(e.ip, max_bytes, out);  // a host name (UseDNS): no prefix to take
  }
  Mask(bytes, 16, part.v6_bits);
  // The network as inet_ntop spells it, without its sprintf per group (a wave of IPv6
  // sources puts this on the hot path).
  char net[kMaxIpv6Text];
  out.append(net, FormatIpv6(bytes, net));
  out += '/';
  out += std::to_string(part.v6_bits);
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
