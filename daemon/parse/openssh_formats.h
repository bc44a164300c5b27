#pragma once
// Which OpenSSH release logs what: the table the sshd parser (sshd_parser.cpp) is
// written against. Read from openssh-portable at the release tags (V_7_4_P1 ...
// V_10_5_P1); "file:function" names where the format string lives. A row applies from
// its first release until the next row for the same message replaces it.
//
// Program name (tests/data/openssh/VERSIONS.md has the evidence for each fact, by tag):
// - up to V_9_7_P1 everything is logged as "sshd"; the pre-auth child's lines reach
//   syslog through the monitor with " [preauth]" (monitor.c monitor_read_log).
// - V_9_8_P1: the listener "sshd" re-execs "sshd-session" per connection, and the
//   per-connection lines carry the syslog name "sshd-session"; the listener's own lines
//   (sshd.c, srclimit.c: drops, penalties, child exits) stay "sshd".
// - V_10_0_P1: sshd-session execs "sshd-auth" for user authentication. sshd-auth never
//   logs under its own name: it installs mm_log_handler right after log_init, and the
//   sshd-session monitor logs its lines with " [preauth]" or, after authentication,
//   " [postauth]" (monitor.c monitor_read_log "%s [%s]").
// - V_10_3_P1: the banner (identification) exchange moves from sshd-session to
//   sshd-auth, so its lines gain " [preauth]" (still under "sshd-session").
// The parser accepts "sshd-auth" as a program name anyway (a relay or a patched build
// may use it).
//
// | message (kind)                                   | releases  | where                                   |
// |--------------------------------------------------|-----------|-----------------------------------------|
// | Failed/Accepted %s for [invalid user ]%s from %s port %d ssh2[: info]            |
// |   (auth_failure / auth_success)                  | 7.4-10.x  | auth.c:auth_log                         |
// | Invalid user %s from %s port %d (invalid_user)   | 7.4-10.x  | auth.c:getpwnamallow                    |
// | User %s from %s not allowed because ... / User %s not allowed because account is  |
// |   locked (user_not_allowed)                      | 7.4-10.x  | auth.c:allowed_user                     |
// | ROOT LOGIN REFUSED FROM %s port %d               | 7.4-10.x  | auth.c:auth_root_allowed                |
// | maximum authentication attempts exceeded for [invalid user ]%s from %s port %d   |
// |   ssh2 (too_many_auth_failures)                  | 7.4-10.x  | auth.c:auth_maxtries_exceeded           |
// | Disconnecting: Too many authentication failures [for %s] (no address)           |
// |                                                  | 7.4       | packet.c:ssh_packet_disconnect          |
// | Disconnecting <id>: <reason>  (id = "[invalid|authenticating ]user X " + ip port)|
// |                                                  | 7.5-10.x  | packet.c:ssh_packet_disconnect          |
// | Connection closed by %s port %d / Connection reset by / Disconnected from (bare)  |
// |   (preauth_disconnect / connection_closed)       | 7.4       | packet.c:sshpkt_fatal                   |
// | Connection closed by <id> (with user preamble)   | 7.5-10.x  | packet.c:sshpkt_vfatal + auth2.c        |
// | Received disconnect from %s port %d:%u: %s       | 7.4-10.x  | packet.c:ssh_packet_read_poll2          |
// |   ("from %s: %u: %s" in the fail2ban corpus = pre-7.3)                              |
// | Connection from %s port %d on %s port %d         | 7.4-7.5   | sshd.c:main                             |
// |   + rdomain "%s"                                 | 7.6-9.7   | sshd.c:main                             |
// |   (connection_opened)                            | 9.8-10.x  | sshd-session.c:main                     |
// | Bad protocol version identification '%s' from %s port %d (banner_invalid)         |
// |                                                  | 7.4-7.9   | sshd.c:sshd_exchange_identification     |
// | Did not receive identification string from %s port %d (kex_ident_failure)        |
// |                                                  | 7.4-7.9   | sshd.c:sshd_exchange_identification     |
// | kex_exchange_identification: <reason> (kex_ident_failure): "Connection closed by  |
// |   remote host", "read: %s", "banner line contains invalid characters", "banner   |
// |   line too long", "client sent invalid protocol identifier \"%s\""                 |
// |                                                  | 8.0-10.x  | kex.c:kex_exchange_identification       |
// |   (ERROR "error: " 8.0-9.4 [V_8_0_P1..V_9_4_P1]; the client-caused ones - closed,  |
// |   banner too long / invalid characters / invalid identifier - VERBOSE without     |
// |   "error: " from 9.5 [V_9_5_P1]; "read:"/"write:" errors stay ERROR)              |
// | banner exchange: Connection from %s port %d: invalid format (banner_invalid)      |
// |                                                  | 8.0-10.2  | kex.c + packet.c:sshpkt_vfatal          |
// |   + " [preauth]" (banner exchange moved to sshd-auth)                              |
// |                                                  | 10.3+     | sshd-auth.c / kex.c                     |
// | Unable to negotiate with %s port %d: no matching <what> found. Their offer: %s    |
// |   (kex_negotiation_failure)                      | 7.4-10.x  | packet.c:sshpkt_vfatal (ssh_err text)   |
// | Unable to negotiate a key exchange method / no matching cipher found: client %s   |
// |   server %s (pre-7.x, fail2ban corpus; attributed by PID)                          |
// | userauth_pubkey: key type %s not in PubkeyAcceptedKeyTypes (pubkey_alg_rejected) |
// |                                                  | 7.4-8.4   | auth2-pubkey.c:userauth_pubkey          |
// |   key type %s not in PubkeyAcceptedAlgorithms    | 8.5-8.9   | auth2-pubkey.c:userauth_pubkey          |
// |   signature algorithm %s not in PubkeyAcceptedAlgorithms                            |
// |                                                  | 9.0-10.x  | auth2-pubkey.c:userauth_pubkey          |
// | Authentication refused: bad ownership or modes for file|directory %s (bad_modes)  |
// |                                                  | 7.4-8.x   | auth.c:auth_secure_path                 |
// |                                                  | 8.x-10.x  | misc.c:safe_path + auth2-pubkeyfile.c   |
// | Could not load host key: %s (host_key_load_failure)                                |
// |                                                  | 7.4-7.9   | sshd.c:main                             |
// | Unable to load host key: %s / Unable to load host key "%s": %s                     |
// |                                                  | 8.0-10.x  | sshd.c:main                             |
// | sshd: no hostkeys available -- exiting.          | 7.4-10.x  | sshd.c:main                             |
// | Server listening on %s port %s[ rdomain %s].     | 7.4-10.x  | sshd.c:server_listen                    |
// | Received signal %d; terminating. (sshd_stopped)  | 7.4-10.x  | sshd.c:server_accept_loop               |
// | Timeout before authentication for %s port %d     | 7.4-9.7   | sshd.c:grace_alarm_handler (sigdie)     |
// |   ("fatal: " prefix: sigdie logs at FATAL) [V_7_4_P1..V_9_7_P1]                    |
// | Timeout before authentication for connection from LOCAL to CLIENT, pid = %ld       |
// |   (server address FIRST - do not blame it)       | 9.8       | sshd.c:child_reap (child->id)           |
// |   [V_9_8_P1 only: child_register swapped laddr/raddr; fixed in V_9_9_P1, commit    |
// |   171427261]. INFO, logged by the listener "sshd"; addresses only, no ports        |
// | Timeout before authentication for connection from CLIENT to LOCAL, pid = %ld       |
// |                                                  | 9.9-10.x  | sshd.c:child_reap / child_register      |
// | drop connection #%d from [%s]:%d on [%s]:%d past MaxStartups (maxstartups_drop)   |
// |                                                  | 7.4-9.7   | sshd.c:drop_connection / accept loop    |
// |   (VERBOSE 7.4-8.3; from 8.4 [V_8_4_P1] INFO for the first drop of a throttling    |
// |   period and each periodic report, VERBOSE otherwise)                              |
// |   ... past Maxstartups | penalty: <reason> | too many penalised addresses          |
// |                                                  | 9.8-9.9   | sshd.c:drop_connection                  |
// |   ... Maxstartups | penalty: <reason> (penalty_drop) | too many penalised addresses  |
// |                                                  | 10.0-10.x | sshd.c:drop_connection                  |
// | beginning MaxStartups throttling (maxstartups_begin)                                |
// | in MaxStartups throttling for %s, %u connections dropped (maxstartups_ongoing)     |
// | exited MaxStartups throttling after %s, %u connections dropped (maxstartups_end)   |
// |                                                  | 8.4-9.9   | sshd.c:drop_connection                  |
// |   [V_8_4_P1..V_9_9_P2; none of the three exist in 7.4-8.3 or 10.0+ (V_10_0_P1)]    |
// | Maxstartups|PerSourcePenalties logging rate-limited: additional %u connections    |
// |   dropped (maxstartups_drop / penalty_drop)      | 10.0+     | sshd.c:drop_connection                  |
// | penalty reasons: "penalty: caused crash", "penalty: failed authentication",        |
// |   "penalty: connections without attempting authentication", "penalty: exceeded     |
// |   LoginGraceTime"                                | 9.8+      | srclimit.c:srclimit_penalise            |
// |   + "penalty: connection prohibited by RefuseConnection"  9.9+ [V_9_9_P1]           |
// |   + "penalty: attempted authentication by invalid user"          10.3+             |
// | srclimit_penalise: ipv4: new %s active|deferred penalty of %d seconds for %s       |
// |   srclimit_penalise: %s: activating ipv4 penalty of %lld seconds for %s           |
// |   (penalty_applied; VERBOSE in 9.8-10.0 [V_9_8_P1..V_10_0_P2]; from 10.1            |
// |   [V_10_1_P1, commit bc328144f] "new ... active" and "activating" log at INFO,     |
// |   "deferred" stays VERBOSE; seconds printed %.3f from 10.3 [V_10_3_P1])             |
// |                                                  | 9.8+      | srclimit.c:srclimit_penalise            |
// | reverse mapping checking getaddrinfo for %s [%s] failed. (reverse_mapping_failure)|
// | Address %s maps to %s, but this does not map back to the address.                  |
// |   (" - POSSIBLE BREAK-IN ATTEMPT!" in releases before 7.x and distro patches)      |
// |                                                  | 7.4-10.x  | auth.c / canohost.c:remote_hostname     |
// | error: PAM: %s for [illegal user ]%s from %s     | 7.4-10.x  | auth-pam.c:sshpam_query / auth_passwd   |
// | pam_unix(sshd:auth): authentication failure; ... rhost=%s [user=%s]               |
// |                                                  | (PAM)     | Linux-PAM pam_unix, logged as sshd      |
// | refused connect from %s (%s) (tcpwrap_refused)   | libwrap   | tcp_wrappers refuse() (distro patches)  |
// | Permissions 0%3.3o for '%s' are too open. (host_key_load_failure)                 |
// |                                                  | 7.4-10.x  | authfile.c:sshkey_perm_ok               |
// | <tag>: Connection from <id>: <ssh_err> (connection_error), tags e.g.                |
// |   "ssh_dispatch_run_fatal", "server_input_global_request: parse packet"            |
// |                                                  | 7.5-10.x  | packet.c:sshpkt_vfatal default branch   |
// | no more sessions (no_more_sessions)              | 7.4-10.x  | session.c:session_open                  |
// | fatal: %s (sshd_fatal)                           | all       | log.c:fatal / sigdie                    |
//
// Tags in [brackets] are openssh-portable release tags; VERSIONS.md in
// tests/data/openssh names the file and function to re-check each against.
//
// The parser accepts every variant of a row regardless of release (logs mix releases
// after upgrades and across hosts), and anchors each on the fixed text shown here.
