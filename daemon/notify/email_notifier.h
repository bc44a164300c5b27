#pragma once
// email: one RFC 5322 message per batch (notify/email_message), sent over SMTP
// (notify/smtp_client) or handed to sendmail (notify/sendmail_delivery), as the entry's
// options say (notify/email_options).
#include <memory>

#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// Throws ConfigError for a bad entry (see ParseEmailOptions).
std::unique_ptr<Notifier> MakeEmailNotifier(const NotifierConfig& config);

}  // namespace sshd_health
