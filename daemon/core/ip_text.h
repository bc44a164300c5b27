#pragma once
// IPv6 addresses as text, the way glibc's inet_ntop writes them, without its sprintf per
// group: a wave of IPv6 sources puts this on the hot path of both the parser
// (normalising every address) and the rules (spelling a /64 network as a group key).
#include <cstddef>

namespace sshd_health {

/// Room FormatIpv6 needs: INET6_ADDRSTRLEN less its NUL.
inline constexpr std::size_t kMaxIpv6Text = 45;

/// Writes the 16 bytes of an IPv6 address (network order) to `out` as inet_ntop(AF_INET6)
/// does - RFC 5952: lower-case hex without leading zeros, the longest run of two or more
/// zero groups (the first of equal runs) as "::", "::a.b.c.d" and "::ffff:a.b.c.d" for
/// the IPv4-compatible and -mapped forms - and returns the length written (no NUL).
/// REQUIRES: `out` has room for kMaxIpv6Text bytes.
std::size_t FormatIpv6(const unsigned char* bytes, char* out);

/// Writes 4 bytes (network order) as a dotted quad and returns the end of what it wrote.
/// REQUIRES: room for 15 bytes.
char* AppendDottedQuad(char* out, const unsigned char* bytes);

}  // namespace sshd_health
