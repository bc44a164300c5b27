#include "app/why/why_diagnosis.h"

#include <algorithm>

#include "app/why/why_remedies.h"
#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health::why {
namespace {

// How much a logged kind says about why this client cannot log in. A refusal sshd states
// outright (not allowed, bad modes, drops) outranks what may be a typo (a failed
// password) and what the client may have caused itself (a timeout, an early close).
struct KindCause {
  EventKind kind;
  const char* id;
  int score;
  const char* summary;  // "{n}": count, "{user}", "{detail}"
};

constexpr KindCause kKindCauses[] = {
    {EventKind::kTcpwrapRefused, "banned.tcpwrap", 95,
     "sshd refused the connection by hosts.deny (libwrap), {n} time(s)"},
    {EventKind::kMaxStartupsDrop, "maxstartups.drop", 90,
     "sshd dropped its connection before the banner: MaxStartups was full ({n} drop(s))"},
    {EventKind::kPenaltyDrop, "penalty.drop", 90,
     "sshd dropped its connections: PerSourcePenalties penalise the address ({n} drop(s))"},
    {EventKind::kPenaltyApplied, "penalty.applied", 88,
     "sshd penalised the address (PerSourcePenalties): {detail}"},
    {EventKind::kUserNotAllowed, "user_not_allowed", 88, "sshd refuses user {user}: {detail}"},
    {EventKind::kRefuseConnection, "refused_by_config", 87,
     "sshd refuses the connection by its configuration (administratively prohibited)"},
    {EventKind::kBadModes, "bad_modes", 87,
     "sshd ignores {detail}: bad ownership or modes (StrictModes)"},
    {EventKind::kAuthorizedKeysUnreadable, "authorized_keys_unreadable", 86,
     "sshd cannot read the authorized keys: {detail}"},
    {EventKind::kAccountExpired, "account_expired", 86, "the account of {user} has expired"},
    {EventKind::kPasswordExpired, "password_expired", 86, "the password of {user} has expired"},
    {EventKind::kAccountLocked, "account_locked", 86,
     "the account of {user} is locked (pam_faillock)"},
    {EventKind::kKexNegotiationFailure, "kex_negotiation", 85, "key exchange failed: {detail}"},
    {EventKind::kKeyRevoked, "key_revoked", 82, "the client's key is revoked: {detail}"},
    {EventKind::kCertRefused, "cert_refused", 82,
     "sshd refused the client's certificate: {detail}"},
    {EventKind::kPubkeyAlgRejected, "pubkey_alg_rejected", 82,
     "sshd refused the key's signature algorithm: {detail}"},
    {EventKind::kKeyAlgRefused, "key_alg_refused", 80,
     "sshd refused the key's algorithm: {detail}"},
    {EventKind::kKeySourceNotPermitted, "key_source_not_permitted", 80,
     "the key is right but not permitted from this address (from= in authorized_keys)"},
    {EventKind::kFidoNoUserPresence, "fido_no_presence", 78,
     "the security key was not touched (user presence required)"},
    {EventKind::kSftpOnlyRefused, "sftp_only", 76, "sshd allows only sftp for this user"},
    {EventKind::kTooManyAuthFailures, "too_many_auth_failures", 75,
     "sshd disconnected it after MaxAuthTries failed attempts ({n} time(s))"},
    {EventKind::kInvalidUser, "invalid_user", 72,
     "user {user} does not exist on this server ({n} attempt(s))"},
    {EventKind::kAuthFailure, "auth_failure", 70,
     "{n} failed login(s) for {user} by {detail}: the credentials were wrong"},
    {EventKind::kLibcryptoError, "libcrypto_error", 60,
     "key exchange failed in libcrypto: {detail}"},
    {EventKind::kProtocolViolation, "protocol_violation", 58,
     "sshd cut the connection for a protocol violation: {detail}"},
    {EventKind::kBannerInvalid, "banner_invalid", 55,
     "the client's identification was invalid: {detail}"},
    {EventKind::kKexIdentFailure, "kex_ident_failure", 50,
     "the connection closed during identification: {detail} ({n} time(s))"},
    {EventKind::kTimeoutBeforeAuth, "timeout_before_auth", 45,
     "the client did not authenticate within LoginGraceTime ({n} time(s))"},
    {EventKind::kClientAliveTimeout, "client_alive_timeout", 40,
     "sshd closed the session: the client stopped responding"},
    {EventKind::kUnusedConnectionTimeout, "unused_connection_timeout", 35,
     "sshd closed an idle connection (UnusedConnectionTimeout)"},
    {EventKind::kConnectionError, "connection_error", 40, "the connection failed: {detail}"},
};

const KindCause* CauseForKind(EventKind kind) {
  for (const auto& c : kKindCauses) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

// Failures a later successful login from the same client makes moot.
bool SupersededByLogin(EventKind kind) {
  switch (kind) {
    case EventKind::kAuthFailure:
    case EventKind::kInvalidUser:
    case EventKind::kTooManyAuthFailures:
    case EventKind::kKexIdentFailure:
    case EventKind::kTimeoutBeforeAuth:
    case EventKind::kBannerInvalid:
    case EventKind::kConnectionError:
    case EventKind::kClientAliveTimeout:
    case EventKind::kUnusedConnectionTimeout:
      return true;
    default:
      return false;
  }
}

std::string Replace(std::string text, std::string_view key, std::string_view value) {
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
  return text;
}

std::string EvidenceLine(const LoggedEvent& e) { return EscapeForOutput(e.line, 1000); }

void AddEvidence(std::vector<std::string>& evidence, std::string line) {
  if (evidence.size() >= kMaxCauseEvidence) evidence.erase(evidence.begin());
  evidence.push_back(std::move(line));
}

// One audit finding as a cause, when it is one a client would feel.
int FindingScore(const Finding& f, bool sshd_unreachable) {
  const std::string& id = f.id;
  if (id == "config.invalid") return sshd_unreachable ? 101 : 55;
  if (id == "liveness.refused") return 100;
  if (id == "liveness.unit_failed") return 99;
  if (id == "liveness.timeout") return 97;
  if (id == "liveness.restarting") return 96;
  if (id == "liveness.no_banner" || id == "liveness.bad_banner") return 84;
  if (id == "host_key.changed") return 70;
  if (id.starts_with("host_key.") && f.severity == Severity::kCritical) return 65;
  if (id == "stale_library.sshd") return 60;
  return 0;
}

std::string LiveMaxStartups(const Diagnosis& d) {
  const auto it = d.effective.find("maxstartups");
  return it == d.effective.end() ? std::string() : it->second;
}

}  // namespace

Diagnosis Diagnose(const DiagnosisInput& in) {
  Diagnosis d;
  d.query = in.query;
  d.effective = in.server.effective;
  d.effective_source = in.server.effective_source;
  d.checks = in.server.audit.checks;
  d.records = in.evidence.records;
  d.in_window = in.evidence.in_window;

  // What was logged, by kind in order of first appearance.
  TimePoint last_login{};
  for (const LoggedEvent& e : in.evidence.client) {
    auto it = std::find_if(d.logged.begin(), d.logged.end(),
                           [&](const LoggedKind& k) { return k.kind == e.kind; });
    if (it == d.logged.end()) {
      d.logged.push_back(LoggedKind{.kind = e.kind, .first = e.ts});
      it = d.logged.end() - 1;
    }
    it->count += static_cast<std::uint64_t>(e.repeat);
    it->last = e.ts;
    if (it->lines.size() >= kMaxLinesPerKind) it->lines.erase(it->lines.begin());
    it->lines.push_back(EvidenceLine(e));
    if (e.kind == EventKind::kAuthSuccess) last_login = e.ts;
  }

  // Causes from the log: one per cause id, its newest line deciding the remedy's values.
  std::map<std::string, std::size_t> by_id;
  std::map<std::string, const LoggedEvent*> newest;
  std::map<std::string, std::vector<const LoggedEvent*>> events_of;
  for (const LoggedEvent& e : in.evidence.client) {
    const KindCause* kc = CauseForKind(e.kind);
    if (!kc) continue;
    std::string id = std::string("logged.") + kc->id;
    const std::string group = e.kind == EventKind::kAuthFailure ? id + "/" + e.detail : id;
    auto [it, added] = by_id.try_emplace(group, d.causes.size());
    if (added) {
      d.causes.push_back(Cause{.id = id, .score = kc->score, .group = group});
    }
    Cause& c = d.causes[it->second];
    c.count += static_cast<std::uint64_t>(e.repeat);
    c.last_seen = e.ts;
    AddEvidence(c.evidence, EvidenceLine(e));
    newest[group] = &e;
    events_of[group].push_back(&e);
  }
  for (Cause& c : d.causes) {
    const LoggedEvent& e = *newest[c.group];
    const KindCause& kc = *CauseForKind(e.kind);
    std::string summary = Replace(kc.summary, "{n}", std::to_string(c.count));
    summary = Replace(summary, "{user}", e.user.empty() ? "-" : e.user);
    summary = Replace(summary, "{detail}", e.detail.empty() ? "-" : e.detail);
    c.summary = EscapeForOutput(summary, 500);
    const Rule* rule = RuleFor(in.rules, e, c.count);
    if (rule && (c.count >= rule->threshold || !IsCredentialFailure(e.kind))) {
      c.source = rule->id;
      c.remedy = RenderRemedy(*rule, e, c.count);
    } else if (IsCredentialFailure(e.kind)) {
      // A few failures are a user's mistake, not the attack the rule's remedy is about.
      c.remedy = CredentialRemedy(e);
    } else if (rule) {
      c.source = rule->id;
      c.remedy = RenderRemedy(*rule, e, c.count);
    }
    if (e.kind == EventKind::kAuthFailure && e.user == "root" && e.detail == "password") {
      const auto p = d.effective.find("permitrootlogin");
      if (p != d.effective.end() && p->second != "yes") {
        c.summary += EscapeForOutput(" (PermitRootLogin " + p->second +
                                     ": sshd refuses root's password even when it is right)");
        c.score += 10;
      }
    }
    if (e.kind == EventKind::kKexNegotiationFailure) {
      const std::string line = AdmittingConfigLine(e.detail);
      if (!line.empty()) {
        c.remedy += (c.remedy.empty() ? "" : "\n") +
                    std::string("The sshd_config line that would admit this client: ") + line +
                    "\n  then: sshd -t && systemctl reload ssh"
                    "\n  Warning: older algorithms are less secure; use this only as a temporary "
                    "workaround while the client is upgraded.";
      }
    }
    if (e.kind == EventKind::kMaxStartupsDrop) {
      // How full it was: the throttling lines around the drops, and the limit in effect.
      // The last throttling line before the newest drop leads the evidence; the drops
      // keep the rest.
      const LoggedEvent* throttling = nullptr;
      for (const LoggedEvent& s : in.evidence.server) {
        if (s.ts > e.ts) break;
        if (s.kind == EventKind::kMaxStartupsBegin || s.kind == EventKind::kMaxStartupsOngoing) {
          throttling = &s;
        }
      }
      if (throttling) {
        if (c.evidence.size() >= kMaxCauseEvidence) c.evidence.erase(c.evidence.begin());
        c.evidence.insert(c.evidence.begin(), EvidenceLine(*throttling));
      }
      const std::string limit = LiveMaxStartups(d);
      if (!limit.empty()) c.summary += " (MaxStartups " + limit + " in effect: start:rate:full)";
    }
    if (SupersededByLogin(e.kind) && last_login > c.last_seen) {
      d.ruled_out.push_back(
          {c.summary, "a later login from it succeeded at " + FormatRfc3339(last_login), false});
      c.score = 0;
    }
  }
  // sshd fails every attempt of a user it refuses or does not have (and every key of one
  // whose authorized_keys it ignores): those failures are the refusal's echo, not a second cause.
  for (Cause& c : d.causes) {
    if (c.id != "logged.auth_failure" || c.score == 0) continue;
    const auto refused_by = [&](const LoggedEvent& failure) -> std::string {
      for (const Cause& other : d.causes) {
        const bool any_method =
            other.id == "logged.user_not_allowed" || other.id == "logged.invalid_user" ||
            other.id == "logged.account_expired" || other.id == "logged.password_expired" ||
            other.id == "logged.account_locked";
        const bool key_only =
            other.id == "logged.bad_modes" || other.id == "logged.authorized_keys_unreadable";
        if (other.score == 0 || !(any_method || (key_only && failure.detail == "publickey"))) {
          continue;
        }
        for (const LoggedEvent* r : events_of[other.group]) {
          if (key_only || r->user == failure.user) return other.summary;
        }
      }
      return {};
    };
    std::string because;
    bool all = true;
    for (const LoggedEvent* f : events_of[c.group]) {
      const std::string r = refused_by(*f);
      if (r.empty()) {
        all = false;
        break;
      }
      because = r;
    }
    if (all && !because.empty()) {
      d.ruled_out.push_back(
          {c.summary, "a consequence of \"" + because + "\": sshd fails those attempts itself",
           false});
      c.score = 0;
    }
  }
  std::erase_if(d.causes, [](const Cause& c) { return c.score == 0; });

  // Bans: each thing that blocks the address, with the refused-connect lines as evidence.
  for (const Ban& b : in.bans.bans) {
    Cause c{.id = "banned." + b.source,
            .source = b.source,
            .score = 96,
            .summary = EscapeForOutput("the address is blocked: " + b.evidence, 500),
            .evidence = {b.evidence},
            .remedy = b.remedy,
            .count = 1};
    if (auto tw = by_id.find("logged.banned.tcpwrap");
        tw != by_id.end() && b.source == "hosts.deny") {
      for (const auto& line : d.causes[tw->second].evidence) AddEvidence(c.evidence, line);
      d.causes[tw->second].score = 0;  // the same cause, told once with its entry
    }
    d.causes.push_back(std::move(c));
  }
  for (const BanLook& look : in.bans.looked)
    d.ruled_out.push_back({look.source, look.result, look.unknown});

  // The server's state.
  bool unreachable = false;
  for (const CheckReport& cr : in.server.audit.checks) {
    for (const Finding& f : cr.findings) {
      if (f.id == "liveness.refused" || f.id == "liveness.timeout" ||
          f.id == "liveness.unit_failed")
        unreachable = true;
    }
  }
  for (const CheckReport& cr : in.server.audit.checks) {
    bool any = false;
    for (const Finding& f : cr.findings) {
      const int score = FindingScore(f, unreachable);
      if (score == 0) continue;
      any = true;
      std::string summary = f.summary;
      if (f.id == "config.invalid" && !unreachable) {
        summary += " (the running sshd still works; its next restart will fail)";
      }
      d.causes.push_back(
          Cause{.id = "server." + f.id,
                .source = f.id,
                .score = score,
                .summary = EscapeForOutput(summary, 500),
                .evidence = {EscapeForOutput(cr.check + ": " + f.subject + ": " + f.summary, 1000)},
                .remedy = EscapeForOutput(f.remedy, 4000),
                .count = 1});
    }
    if (!any) {
      const std::string what = cr.check == "liveness"          ? "sshd down"
                               : cr.check == "config"          ? "config invalid"
                               : cr.check == "host_keys"       ? "host keys"
                               : cr.check == "stale_libraries" ? "stale libraries"
                                                               : "";
      if (!what.empty()) {
        d.ruled_out.push_back(
            {what,
             cr.status == CheckStatus::kUnknown
                 ? "could not tell: " + EscapeForOutput(cr.detail, 300)
                 : EscapeForOutput(cr.detail.empty() ? "nothing found" : cr.detail, 300),
             cr.status == CheckStatus::kUnknown});
      }
    }
  }
  std::erase_if(d.causes, [](const Cause& c) { return c.score == 0; });

  // Restarts in the window are context for every cause ("it worked until the restart").
  std::uint64_t starts = 0;
  for (const LoggedEvent& s : in.evidence.server) {
    if (s.kind == EventKind::kSshdStarted || s.kind == EventKind::kSshdRestart) ++starts;
  }
  d.ruled_out.push_back(
      {"recent restarts",
       std::to_string(starts) + " sshd start(s) or reload(s) logged in the window", false});

  // The kinds looked for and not found.
  struct Group {
    const char* what;
    std::vector<EventKind> kinds;
  };
  const Group groups[] = {
      {"MaxStartups or penalty drops",
       {EventKind::kMaxStartupsDrop, EventKind::kPenaltyDrop, EventKind::kPenaltyApplied}},
      {"negotiation failures", {EventKind::kKexNegotiationFailure}},
      {"authentication failures",
       {EventKind::kAuthFailure, EventKind::kInvalidUser, EventKind::kTooManyAuthFailures}},
      {"not allowed (AllowUsers/DenyUsers/Match)",
       {EventKind::kUserNotAllowed, EventKind::kRefuseConnection}},
      {"bad modes", {EventKind::kBadModes, EventKind::kAuthorizedKeysUnreadable}},
      {"key and certificate refusals",
       {EventKind::kCertRefused, EventKind::kKeyRevoked, EventKind::kPubkeyAlgRejected,
        EventKind::kKeyAlgRefused, EventKind::kKeySourceNotPermitted}},
      {"kex identification failures", {EventKind::kKexIdentFailure, EventKind::kBannerInvalid}},
      {"timeouts",
       {EventKind::kTimeoutBeforeAuth, EventKind::kClientAliveTimeout,
        EventKind::kUnusedConnectionTimeout}},
  };
  for (const Group& g : groups) {
    const bool seen = std::any_of(d.logged.begin(), d.logged.end(), [&](const LoggedKind& k) {
      return std::find(g.kinds.begin(), g.kinds.end(), k.kind) != g.kinds.end();
    });
    if (!seen) d.ruled_out.push_back({g.what, "none logged for it in the window", false});
  }

  // Most likely first; among equals, the most recent.
  std::stable_sort(d.causes.begin(), d.causes.end(), [](const Cause& a, const Cause& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.last_seen > b.last_seen;
  });

  if (d.causes.empty()) {
    if (in.evidence.client.empty()) {
      d.client_side.push_back(
          "sshd logged nothing about this client in the window: the connection may not reach "
          "sshd (a firewall or NAT on the way, a wrong address or port)");
    }
    // The troubleshooting guide's client-side steps.
    d.client_side.insert(
        d.client_side.end(),
        {"ssh -vvv user@host                   # see the phase where the connection stops",
         "ssh-keygen -R host                   # after a host key change (REMOTE HOST "
         "IDENTIFICATION HAS CHANGED), then connect again and accept the new key",
         "chmod 700 ~/.ssh && chmod 600 ~/.ssh/id_*   # UNPROTECTED PRIVATE KEY FILE / bad "
         "permissions on the client's keys and known_hosts",
         "tracepath -m 100 host                # MTU: key exchange packets dropped on the way"});
  }
  return d;
}

}  // namespace sshd_health::why
