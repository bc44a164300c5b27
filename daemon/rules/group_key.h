#pragma once
// Group keys: what a rule counts separately (group_by), counts distinct values of
// (distinct), or remembers (first_seen.key). A key is one or more parts, each a field of
// the event; an address part may be cut to its network prefix ("ip/24": IPv6 attackers
// rotate inside a /64, and banning one /128 is fail2ban's classic miss).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/sshd_event.h"

namespace sshd_health {

enum class KeyField : std::uint8_t {
  kIp,           // the source address (or the host name sshd logged)
  kUser,         // the user name as logged
  kDetail,       // the kind-specific text (the client's offer, the method...)
  kFingerprint,  // the key fingerprint of an accepted publickey login (FingerprintOf)
  kHost,         // the origin host (SshdEvent::host; this machine's name when it is empty)
};

struct KeyPart {
  KeyField field = KeyField::kIp;
  // For kIp: the prefix lengths applied to IPv4 and IPv6 addresses (32 and 128: whole).
  int v4_bits = 32;
  int v6_bits = 128;
  friend bool operator==(const KeyPart&, const KeyPart&) = default;
};

using GroupKey = std::vector<KeyPart>;

/// Parses "ip", "user", "detail", "fingerprint", "host", "ip/N" or "ip/N/M". "ip/N" with N <= 32
/// cuts IPv4 to /N and IPv6 to /64; with 32 < N <= 128 it cuts IPv6 to /N and leaves IPv4
/// whole; "ip/N/M" names both. On failure returns nullopt and sets `error`.
/// REQUIRES for kHost: the caller (EventKeys) supplies the origin host; AppendKeyValue
/// writes the event's host as it is.
std::optional<KeyPart> ParseKeyPart(std::string_view text, std::string& error);

/// The spelling ParseKeyPart reads ("ip/24/64", "user").
std::string KeyPartName(const KeyPart& part);
/// The parts' names joined by ", ", e.g. "user, ip/24/64".
std::string GroupKeyName(const GroupKey& key);

/// How keys tell the families apart: an address with a colon is IPv6; any other text
/// takes the IPv4 path (a host name logged under UseDNS is then left as it is).
inline bool IsIpv6Text(std::string_view ip) { return ip.find(':') != std::string_view::npos; }

/// Appends the part's value in `e` to `out`, at most `max_bytes` of it. An address cut
/// to a prefix is written as its network, "192.0.2.0/24"; a host name stays as logged.
void AppendKeyValue(const KeyPart& part, const SshdEvent& e, std::size_t max_bytes,
                    std::string& out);

/// The fingerprint ("SHA256:...", "MD5:...") sshd logged for the key of an "Accepted
/// publickey" (or hostbased) line, or empty. Read after the last "ssh2: ": the user name
/// comes before " from ", and a key method's line always ends in the key info, so a name
/// imitating the tail cannot come last.
std::string_view FingerprintOf(std::string_view message);

}  // namespace sshd_health
