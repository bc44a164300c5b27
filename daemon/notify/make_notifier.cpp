#include "notify/make_notifier.h"

#include <fmt/format.h>

#include "core/yaml_util.h"
#include "notify/alertmanager_notifier.h"
#include "notify/email_notifier.h"
#include "notify/journal_notifier.h"
#include "notify/stdout_notifier.h"
#include "notify/syslog_notifier.h"
#include "notify/webhook_notifier.h"

namespace sshd_health {

std::unique_ptr<Notifier> MakeNotifier(const NotifierConfig& config) {
  if (config.type == "journal") return MakeJournalNotifier(config);
  if (config.type == "syslog") return MakeSyslogNotifier(config);
  if (config.type == "stdout") return MakeStdoutNotifier(config);
  if (config.type == "email") return MakeEmailNotifier(config);
  if (config.type == "webhook") return MakeWebhookNotifier(config);
  if (config.type == "alertmanager") return MakeAlertmanagerNotifier(config);
  std::string known;
  for (const char* t : kNotifierTypes) known += (known.empty() ? "" : ", ") + std::string(t);
  YamlMap(config.options, config.file, config.path)
      .Fail("type", fmt::format("unknown notifier type '{}' (known: {})", config.type, known));
}

std::vector<std::unique_ptr<Notifier>> MakeNotifiers(const NotifierConfig& config) {
  if (config.type == "alertmanager") return MakeAlertmanagerNotifiers(config);
  std::vector<std::unique_ptr<Notifier>> out;
  out.push_back(MakeNotifier(config));
  return out;
}

}  // namespace sshd_health
