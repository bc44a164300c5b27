// Keys, certificates, host keys and a user's key files: the formats of auth2-pubkey.c,
// auth2-pubkeyfile.c, auth2-hostbased.c, auth.c and sshd.c that say why a key or a
// certificate was refused, or why sshd cannot use its own host keys. None of them carries
// the client's address but the FIDO one; the others are attributed through the PID.
#include "parse/line_parser.h"

namespace sshd_health::parse_internal {

// auth2-pubkeyfile.c auth_check_authkey_line() (7.7+, prefixed "%s: " with file:line) and
// auth.c (7.4-7.6):
//   "Authentication tried for %.100s with correct key but not from a permitted host
//    (host=%.200s, ip=%.200s[, required=%.200s])."
//   "Authentication tried for %.100s with valid certificate but not from a permitted
//    source address (%.200s)." / "... permitted host (ip=%.200s)."
// `rest` starts at the user. The user is the account's (the key matched), the host= a PTR
// name: the address is read right-anchored, from its fixed "ip=" or "(".
bool LineParser::KeySourceNotPermitted(Sv rest) {
  if (!ConsumeSuffix(rest, ").")) return false;
  auto with = rest.rfind(" with correct key but not from a permitted host (");
  if (with == Sv::npos) with = rest.rfind(" with valid certificate but not from a permitted ");
  if (with == Sv::npos) return false;
  Sv tail = rest.substr(with);
  tail.remove_prefix(tail.find('(') + 1);
  const auto ip = tail.rfind("ip=");
  Sv addr = ip == Sv::npos ? tail : tail.substr(ip + 3);
  addr = addr.substr(0, addr.find(','));
  SshdEvent& e = Make(EventKind::kKeySourceNotPermitted);
  if (!SetAddress(e, addr, true)) return false;
  scan::SetText(e.user, rest.substr(0, with));
  scan::SetText(e.detail, tail);
  return true;
}

// auth2-pubkey.c userauth_pubkey() / monitor.c mm_answer_keyverify() (8.2+): error("public
// key %s %s signature for %s%s from %.128s port %d rejected: user presence (authenticator
// touch) requirement not met ") and "... user verification requirement not met " (8.4+);
// some releases omit the fingerprint. Right-anchored on " from <ip> port <n> rejected: ".
bool LineParser::FidoRejected(Sv rest) {
  const auto rejected = rest.rfind(" rejected: ");
  if (rejected == Sv::npos) return false;
  const Sv reason = rest.substr(rejected + 11);
  if (!StartsWith(reason, "user presence") && !StartsWith(reason, "user verification"))
    return false;
  Sv who = rest.substr(0, rejected);
  SshdEvent& e = Make(EventKind::kFidoNoUserPresence);
  if (!ConsumeTrailingPort(who, e.port)) return false;
  const auto from = who.rfind(" from ");
  if (from == Sv::npos || !SetAddress(e, who.substr(from + 6), false)) return false;
  const auto sig = who.find(" signature for ");
  if (sig == Sv::npos || sig > from) return false;
  scan::SetText(e.user, StripUserPrefix(who.substr(sig + 15, from - sig - 15)));
  scan::SetText(e.detail, reason);
  return true;
}

// A user's own files and account state, logged without the client's address:
//   auth2-pubkeyfile.c auth_openfile() (9.1+): "Could not open user '%s' %s '%s': %s",
//     "User '%s' %s '%s' is not a regular file"; auth.c (7.4-9.0) "User %s %s %s is not a
//     regular file"; auth-rhosts.c "User %s hosts file %s is not a regular file"
//   auth-shadow.c auth_shadow_pwexpired(): "User %.100s password has expired (password
//     aged)" / "(root forced)"
bool LineParser::UserFileLine(Sv rest) {
  if (ConsumePrefix(rest, "User ")) {
    const auto expired = rest.rfind(" password has expired (");
    if (expired != Sv::npos) {
      SshdEvent& e = MakeFromSession(EventKind::kPasswordExpired);
      scan::SetText(e.user, rest.substr(0, expired));
      scan::SetText(e.detail, rest.substr(expired + 1));
      return true;
    }
    if (!ConsumeSuffix(rest, " is not a regular file")) return false;
  } else if (ConsumePrefix(rest, "Could not open user ")) {
  } else {
    return false;
  }
  Sv user;
  Sv what = rest;
  if (ConsumePrefix(what, "'")) {
    user = scan::TakeUntil(what, "' ");
  } else {
    user = scan::TakeUntil(what, " ");
  }
  if (user.empty() || what.empty()) return false;
  SshdEvent& e = MakeFromSession(EventKind::kAuthorizedKeysUnreadable);
  scan::SetText(e.user, user);
  scan::SetText(e.detail, what);
  return true;
}

// sshd.c main() / sshd-session.c: host keys and certificates sshd cannot use, beyond "Unable
// to load host key" (host_key_load_failure): shielding (8.1+), HostKeyAgent, certificates
// without their key, mismatched pairs (8.4+), "main: Host key %s: <ssh_err>" (9.1+).
bool LineParser::HostKeyProblem(Sv rest) {
  for (Sv p : {Sv("Unable to shield host key \""), Sv("Unable to get agent socket: "),
               Sv("Certificate file is not a certificate: "), Sv("Could not connect to agent \""),
               Sv("Could not get agent socket: "), Sv("Could not load host certificate"),
               Sv("Error loading host key \""), Sv("No matching private key for certificate: "),
               Sv("main: Host key ")}) {
    if (StartsWith(rest, p)) {
      SshdEvent& e = Make(EventKind::kHostKeyProblem);
      scan::SetText(e.detail, rest);
      return true;
    }
  }
  if (StartsWith(rest, "Public key for ") && EndsWith(rest, " does not match private key")) {
    SshdEvent& e = Make(EventKind::kHostKeyProblem);
    scan::SetText(e.detail, rest);
    return true;
  }
  return false;
}

// A certificate refused: sshkey_cert_check_authority()'s reason logged alone ("error: %s",
// auth2-pubkey.c user_cert_trusted_ca / auth2-hostbased.c, 7.4-10.0) or with the
// authorized_keys line ("%s at %s", 10.1+), and auth2-pubkey.c (10.1+): error("Refusing
// certificate ID \"%s\" serial=%llu signed by %s CA %s[ via %s]: %s").
bool LineParser::CertRefused(Sv rest) {
  const bool refusing = StartsWith(rest, "Refusing certificate ID \"");
  if (!refusing && !StartsWith(rest, "Certificate invalid: ") &&
      !StartsWith(rest, "Certificate does not contain an authorized principal") &&
      !StartsWith(rest, "Certificate lacks principal list")) {
    return false;
  }
  SshdEvent& e = MakeFromSession(EventKind::kCertRefused);
  scan::SetText(e.detail, rest);
  return true;
}

// Key algorithms sshd will not use:
//   auth2-pubkey.c / auth2-hostbased.c: "userauth_pubkey: unsupported public key algorithm:
//     %s" (VERBOSE; ssh-dss from 10.0), "userauth_pubkey: certificate signature algorithm
//     %s: %s", error("%s key type %s is not in permitted list %s") (8.0+),
//     logit_r("refusing %s key") (9.1+, RequiredRSASize)
//   auth2-pubkey.c (7.4-9.2): error("Refusing RSA key because peer uses unsafe signature
//     format"); logit("Refusing RSA key because client uses unsafe signature scheme")
bool LineParser::KeyAlg(Sv rest) {
  Sv what = rest;
  const bool tagged =
      ConsumePrefix(what, "userauth_pubkey: ") || ConsumePrefix(what, "userauth_hostbased: ");
  const bool refused = (tagged && (StartsWith(what, "unsupported public key algorithm: ") ||
                                   StartsWith(what, "certificate signature algorithm "))) ||
                       (StartsWith(rest, "userauth_") && rest.find(" key type ") != Sv::npos &&
                        rest.find(" is not in permitted list ") != Sv::npos) ||
                       StartsWith(rest, "Refusing RSA key because ") ||
                       (StartsWith(rest, "refusing ") && rest.find(" key: ") != Sv::npos);
  if (!refused) return false;
  SshdEvent& e = MakeFromSession(EventKind::kKeyAlgRefused);
  scan::SetText(e.detail, tagged ? what : rest);
  return true;
}

}  // namespace sshd_health::parse_internal
