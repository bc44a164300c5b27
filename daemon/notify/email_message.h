#pragma once
// Building the email for a batch of alerts: RFC 5322 headers, a MIME text/plain body,
// RFC 2047 words for non-ASCII subjects. Pure functions, no I/O (the host name aside).
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"

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

/// A fresh "<time.counter.random@host>" Message-ID. Thread-safe.
std::string NewMessageId(TimePoint now);

/// A header value from untrusted text: every control character (CR and LF above all)
/// becomes a space, so the value stays on its line and cannot start a new header.
std::string HeaderSafe(std::string_view in);

}  // namespace sshd_health
