#include "notify/email_options.h"

#include <fmt/format.h>

#include <algorithm>

#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

// A bare address we are willing to put in From/To and the SMTP envelope.
bool ValidAddress(const std::string& a) {
  if (a.size() > 254 || a.find('@') == std::string::npos) return false;
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"';
  });
}

}  // namespace

EmailOptions ParseEmailOptions(const NotifierConfig& config) {
  const YamlMap map =
      NotifierOptions(config, {"url", "transport", "sendmail", "from", "to", "username",
                               "password_file", "starttls", "tls_verify", "ca_file", "timeout"});
  EmailOptions options;
  EmailEnvelope& env = options.envelope;
  env.from = map.RequiredString("from");
  if (!ValidAddress(env.from)) map.Fail("from", "expected a bare address like alerts@example.org");
  env.to = map.StringList("to");
  if (env.to.empty()) map.Fail("to", "is required (one address or a list)");
  for (const auto& t : env.to) {
    if (!ValidAddress(t)) map.Fail("to", fmt::format("'{}' is not a bare address", HeaderSafe(t)));
  }
  const std::string transport = map.String("transport", "smtp");
  SmtpSettings& smtp = options.smtp;
  smtp.timeout = map.DurationValue("timeout", smtp.timeout);
  if (transport == "sendmail") {
    options.use_sendmail = true;
    options.sendmail_path = map.String("sendmail", "/usr/sbin/sendmail");
    const std::string& path = options.sendmail_path;
    if (path.empty() || path.front() != '/') map.Fail("sendmail", "must be an absolute path");
    for (const char* smtp_only : {"url", "username", "password_file", "starttls", "ca_file"}) {
      if (map.Has(smtp_only)) map.Fail(smtp_only, "only applies to transport: smtp");
    }
    return options;
  }
  if (transport != "smtp") map.Fail("transport", "expected smtp or sendmail");
  if (map.Has("sendmail")) map.Fail("sendmail", "only applies to transport: sendmail");
  smtp.url = map.RequiredString("url");
  const bool smtps = smtp.url.rfind("smtps://", 0) == 0;
  if (!smtps && smtp.url.rfind("smtp://", 0) != 0)
    map.Fail("url", "expected smtp://host:port or smtps://host:port");
  const std::string starttls = map.String("starttls", "auto");
  if (starttls == "required")
    smtp.use_ssl = CURLUSESSL_ALL;
  else if (starttls == "optional")
    smtp.use_ssl = CURLUSESSL_TRY;
  else if (starttls == "auto")
    smtp.use_ssl = (smtps || !IsLoopbackUrl(smtp.url)) ? CURLUSESSL_ALL : CURLUSESSL_TRY;
  else
    map.Fail("starttls", "expected auto, required or optional");
  smtp.tls_verify = map.Bool("tls_verify", true);
  smtp.ca_file = map.String("ca_file", "");
  if (map.Has("username") != map.Has("password_file")) {
    map.Fail(map.Has("username") ? "password_file" : "username",
             "username and password_file go together");
  }
  if (map.Has("username")) {
    smtp.username = map.RequiredString("username");
    smtp.password = ReadSecretFile(map, "password_file");
  }
  return options;
}

}  // namespace sshd_health
