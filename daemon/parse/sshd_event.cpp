#include "parse/sshd_event.h"

#include <array>

namespace sshd_health {
namespace {

constexpr std::array kKinds = {
    EventKindInfo{EventKind::kAuthFailure, "auth_failure",
                  "a password, public key, keyboard-interactive or PAM authentication failed"},
    EventKindInfo{EventKind::kInvalidUser, "invalid_user", "a login was tried for a user that does not exist"},
    EventKindInfo{EventKind::kAuthSuccess, "auth_success", "a user logged in"},
    EventKindInfo{EventKind::kPreauthDisconnect, "preauth_disconnect",
                  "a connection closed before authentication completed"},
    EventKindInfo{EventKind::kTooManyAuthFailures, "too_many_auth_failures",
                  "a client exceeded MaxAuthTries"},
    EventKindInfo{EventKind::kMaxStartupsBegin, "maxstartups_begin",
                  "sshd began dropping unauthenticated connections (MaxStartups)"},
    EventKindInfo{EventKind::kMaxStartupsDrop, "maxstartups_drop",
                  "sshd dropped a connection past MaxStartups"},
    EventKindInfo{EventKind::kMaxStartupsEnd, "maxstartups_end", "sshd stopped MaxStartups throttling"},
    EventKindInfo{EventKind::kPenaltyDrop, "penalty_drop",
                  "sshd dropped a connection from a penalised source (PerSourcePenalties)"},
    EventKindInfo{EventKind::kKexIdentFailure, "kex_ident_failure",
                  "the identification (banner) exchange failed"},
    EventKindInfo{EventKind::kBannerInvalid, "banner_invalid", "a client sent an invalid identification string"},
    EventKindInfo{EventKind::kKexNegotiationFailure, "kex_negotiation_failure",
                  "client and server share no key exchange, host key, cipher or MAC algorithm"},
    EventKindInfo{EventKind::kHostKeyLoadFailure, "host_key_load_failure", "sshd could not load a host key"},
    EventKindInfo{EventKind::kBadModes, "bad_modes",
                  "public key authentication refused: bad ownership or modes of a user's file"},
    EventKindInfo{EventKind::kPubkeyAlgRejected, "pubkey_alg_rejected",
                  "a key's signature algorithm is not in PubkeyAcceptedAlgorithms (e.g. SHA-1 RSA)"},
    EventKindInfo{EventKind::kSshdFatal, "sshd_fatal", "sshd logged a fatal error"},
    EventKindInfo{EventKind::kSshdStarted, "sshd_started", "sshd started listening"},
    EventKindInfo{EventKind::kSshdStopped, "sshd_stopped", "sshd was told to terminate"},
    EventKindInfo{EventKind::kUserNotAllowed, "user_not_allowed",
                  "a user was refused by AllowUsers/DenyUsers/AllowGroups, a locked account or root policy"},
    EventKindInfo{EventKind::kTcpwrapRefused, "tcpwrap_refused", "TCP wrappers (hosts.deny) refused a connection"},
    EventKindInfo{EventKind::kReverseMappingFailure, "reverse_mapping_failure",
                  "the client's reverse DNS does not map back to its address"},
    EventKindInfo{EventKind::kConnectionOpened, "connection_opened", "a client connected"},
    EventKindInfo{EventKind::kReceivedDisconnect, "received_disconnect", "a client sent a disconnect"},
    EventKindInfo{EventKind::kTimeoutBeforeAuth, "timeout_before_auth",
                  "a client did not authenticate within LoginGraceTime"},
    EventKindInfo{EventKind::kConnectionClosed, "connection_closed",
                  "a connection ended after its user had logged in"},
    EventKindInfo{EventKind::kMaxStartupsOngoing, "maxstartups_ongoing",
                  "sshd is still dropping unauthenticated connections (MaxStartups, periodic report)"},
    EventKindInfo{EventKind::kPenaltyApplied, "penalty_applied",
                  "sshd penalised a source address (PerSourcePenalties)"},
    EventKindInfo{EventKind::kConnectionError, "connection_error",
                  "a connection died on a protocol or network error (e.g. message authentication code incorrect)"},
    EventKindInfo{EventKind::kNoMoreSessions, "no_more_sessions",
                  "a connection asked for more sessions than MaxSessions allows"},
    EventKindInfo{EventKind::kPartialAuth, "partial_auth",
                  "one method of an AuthenticationMethods list succeeded; more are required"},
    EventKindInfo{EventKind::kSessionOpened, "session_opened",
                  "a session (shell, command, subsystem) started for a user"},
    EventKindInfo{EventKind::kSessionClosed, "session_closed", "a user's session ended"},
    EventKindInfo{EventKind::kSessionCrash, "session_crash",
                  "a session or pre-auth process crashed or was killed by a signal (what memory-corruption "
                  "exploit attempts such as regreSSHion leave)"},
    EventKindInfo{EventKind::kClientAliveTimeout, "client_alive_timeout",
                  "ClientAliveInterval x ClientAliveCountMax passed without an answer; sshd closed the connection"},
    EventKindInfo{EventKind::kUnusedConnectionTimeout, "unused_connection_timeout",
                  "UnusedConnectionTimeout closed a connection that had no open channels"},
    EventKindInfo{EventKind::kRefuseConnection, "refuse_connection",
                  "RefuseConnection (in a Match block) turned the connection away (administratively prohibited)"},
    EventKindInfo{EventKind::kLibcryptoError, "libcrypto_error",
                  "a connection died on an OpenSSL (libcrypto) error"},
    EventKindInfo{EventKind::kRekeyLimitPreauth, "rekey_limit_preauth",
                  "the client exceeded RekeyLimit before authenticating"},
    EventKindInfo{EventKind::kProtocolViolation, "protocol_violation",
                  "the client broke the protocol (strict-KEX violation, multiple KEXINIT, username/service change)"},
    EventKindInfo{EventKind::kBindFailed, "bind_failed",
                  "sshd could not bind a ListenAddress/Port (address in use, no such address)"},
    EventKindInfo{EventKind::kSshdRestart, "sshd_restart",
                  "sshd received SIGHUP and re-executed itself (configuration reload)"},
    EventKindInfo{EventKind::kHostKeyProblem, "host_key_problem",
                  "a host key or host certificate is unusable beyond a plain load failure (no matching private "
                  "key, not a certificate, mismatch, shielding failed, HostKeyAgent unreachable)"},
    EventKindInfo{EventKind::kCertRefused, "cert_refused",
                  "a user or host certificate was refused (expired, not yet valid, principal not listed)"},
    EventKindInfo{EventKind::kAuthorizedKeysUnreadable, "authorized_keys_unreadable",
                  "a user's authorized_keys (or .rhosts/.shosts) could not be opened or is not a regular file"},
    EventKindInfo{EventKind::kKeySourceNotPermitted, "key_source_not_permitted",
                  "the right key or certificate was used from a host its from= or source-address does not permit"},
    EventKindInfo{EventKind::kKeyRevoked, "key_revoked", "a key listed in RevokedKeys was offered"},
    EventKindInfo{EventKind::kFidoNoUserPresence, "fido_no_user_presence",
                  "a FIDO (sk-) key signature lacked user presence (no touch) or user verification (no PIN)"},
    EventKindInfo{EventKind::kKeyAlgRefused, "key_alg_refused",
                  "a key's algorithm is not usable (unsupported such as ssh-dss from 10.0, not permitted, below "
                  "RequiredRSASize, unsafe RSA signatures)"},
    EventKindInfo{EventKind::kAccountExpired, "account_expired", "the user's account has expired"},
    EventKindInfo{EventKind::kPasswordExpired, "password_expired",
                  "the user's password has expired (aged, root-forced, or a change sshd cannot do)"},
    EventKindInfo{EventKind::kAccountLocked, "account_locked",
                  "pam_faillock locked the account after consecutive failures"},
    EventKindInfo{EventKind::kSubsystemFailure, "subsystem_failure",
                  "a subsystem request (e.g. sftp) failed: not configured or could not start"},
    EventKindInfo{EventKind::kSftpOnlyRefused, "sftp_only_refused",
                  "a non-sftp session was refused on an sftp-only (ForceCommand internal-sftp) account"},
    EventKindInfo{EventKind::kVersionProbe, "version_probe",
                  "a client only read the banner and left (ssh-keyscan, scanners)"},
    EventKindInfo{EventKind::kJournalSuppressed, "journal_suppressed",
                  "journald rate-limited sshd's unit and dropped lines: events are missing"},
};

}  // namespace

std::span<const EventKindInfo> AllEventKinds() { return kKinds; }

static_assert(kKinds.size() == static_cast<std::size_t>(EventKind::kJournalSuppressed) + 1,
              "every EventKind has one catalogue entry, in enum order");

std::string_view EventKindName(EventKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  return i < kKinds.size() ? kKinds[i].name : "unknown";
}

std::optional<EventKind> ParseEventKind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

}  // namespace sshd_health
