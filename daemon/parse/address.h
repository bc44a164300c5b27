#pragma once
// Recognising and normalising the client address in an sshd line. sshd logs an IPv4 or
// IPv6 address, or with `UseDNS yes` a host name; we keep addresses in one canonical
// spelling so that rules group "2001:DB8::1" and "2001:db8:0::1" together, and never
// take a token that is neither.
#include <optional>
#include <string>
#include <string_view>

namespace sshd_health {

/// True when `token` is an IPv4 or IPv6 address in a form inet_pton accepts (IPv6 may
/// carry an IPv4-mapped tail). No allocation.
bool IsIpAddress(std::string_view token);

/// True when `token` is a syntactically valid DNS host name (letters, digits, '-', '_'
/// and '.', labels of 1-63 characters, at most 253 in all). Dotted digits such as
/// "192.030.0.6" pass: sshd logs whatever the resolver returned.
bool IsHostName(std::string_view token);

/// The canonical spelling of an IP address: IPv6 lower-case and compressed as
/// inet_ntop writes it, "::ffff:a.b.c.d" reduced to "a.b.c.d". nullopt for anything
/// that is not an IP address.
std::optional<std::string> NormaliseIp(std::string_view token);

/// NormaliseIp, else the token itself when `allow_host` and it is a valid host name.
std::optional<std::string> NormaliseAddress(std::string_view token, bool allow_host);

/// NormaliseAddress into `out`, reusing its capacity (the parser's hot path). False, and
/// `out` untouched, when `token` is no address.
bool NormaliseAddressTo(std::string_view token, bool allow_host, std::string& out);

}  // namespace sshd_health
