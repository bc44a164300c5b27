#pragma once
// Handing one message to an SMTP server through libcurl: smtp:// with STARTTLS or
// smtps://, AUTH from a username and password.
#include <curl/curl.h>

#include <string>

#include "core/clock.h"
#include "notify/email_message.h"
#include "notify/notifier.h"

namespace sshd_health {

struct SmtpSettings {
  std::string url;                // smtp://host:port or smtps://host:port
  long use_ssl = CURLUSESSL_ALL;  // CURLOPT_USE_SSL: STARTTLS required or tried
  std::string username;           // empty: no AUTH
  std::string password;
  bool tls_verify = true;
  std::string ca_file;  // empty: the system's CA store
  Duration timeout = std::chrono::seconds(30);
};

/// One SMTP transaction: MAIL FROM, RCPT TO each of envelope.to, DATA `message`. A 5xx
/// answer to those is permanent; a refused login, TLS trouble, a 4xx or no answer is
/// retried. Blocks the calling thread up to settings.timeout.
DeliveryResult SendSmtp(const SmtpSettings& settings, const EmailEnvelope& envelope,
                        const std::string& message);

/// Whether the SMTP host of `url` is this machine (localhost, 127.0.0.0/8, ::1): only
/// then may the default STARTTLS policy fall back to plain text.
bool IsLoopbackUrl(const std::string& url);

}  // namespace sshd_health
