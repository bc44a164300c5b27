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
};

}  // namespace

std::span<const EventKindInfo> AllEventKinds() { return kKinds; }

static_assert(kKinds.size() == static_cast<std::size_t>(EventKind::kNoMoreSessions) + 1,
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
