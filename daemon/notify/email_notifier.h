#pragma once
// email: one RFC 5322 message per batch, sent over SMTP through libcurl (smtp:// with
// STARTTLS, smtps://, AUTH from username + password_file) or handed to
// /usr/sbin/sendmail -t -oi (exec'd directly, never through a shell).
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

struct EmailEnvelope {
  std::string from;             // bare address, validated at config load
  std::vector<std::string> to;  // bare addresses
};

/// "[sshd-health] CRITICAL host: summary" (+ " (and N more)" for a batch). Never holds a
/// control character, whatever the alerts carry; non-ASCII text is RFC 2047 encoded.
std::string EmailSubject(const std::vector<Alert>& batch);

/// The whole message, CRLF line endings: Date, Message-ID, From, To, Subject,
/// MIME-Version, Content-Type text/plain; charset=utf-8, then a readable body (per alert:
/// summary, remedy, evidence, first/last seen, count). Alert text cannot add a header:
/// header values drop control characters and body lines are escaped.
/// REQUIRES: batch is not empty.
std::string BuildEmailMessage(const std::vector<Alert>& batch, const EmailEnvelope& envelope,
                              TimePoint now, const std::string& message_id);

/// "Sat, 21 Nov 2026 16:31:02 +0000" (RFC 5322 date-time, UTC).
std::string Rfc5322Date(TimePoint t);

/// Whether the SMTP host of `url` is this machine (localhost, 127.0.0.0/8, ::1): only
/// then may the default STARTTLS policy fall back to plain text.
bool IsLoopbackUrl(const std::string& url);

std::unique_ptr<Notifier> MakeEmailNotifier(const NotifierConfig& config);

}  // namespace sshd_health
