#pragma once
// Reading an email notifier's entry (notify.notifiers[] with type: email) into settings,
// every check done at config load so delivery never meets a bad value.
#include <string>

#include "core/config.h"
#include "notify/email_message.h"
#include "notify/smtp_client.h"

namespace sshd_health {

struct EmailOptions {
  EmailEnvelope envelope;
  bool use_sendmail = false;  // transport: sendmail; else smtp
  std::string sendmail_path;  // absolute; only with use_sendmail
  SmtpSettings smtp;          // url, TLS and AUTH only for smtp; the timeout for both
};

/// Keys: url, transport (smtp | sendmail), sendmail, from, to, username, password_file,
/// starttls (auto | required | optional), tls_verify, ca_file, timeout. Throws ConfigError
/// naming file, line and key for an unknown key, a bad address, a key of the other
/// transport, or a password_file that cannot be read. starttls: auto requires STARTTLS
/// unless the server is this machine.
EmailOptions ParseEmailOptions(const NotifierConfig& config);

}  // namespace sshd_health
