#include "notify/email_notifier.h"

#include "notify/email_message.h"
#include "notify/email_options.h"
#include "notify/sendmail_delivery.h"
#include "notify/smtp_client.h"

namespace sshd_health {
namespace {

class EmailNotifier final : public Notifier {
 public:
  EmailNotifier(std::string name, EmailOptions options)
      : name_(std::move(name)), options_(std::move(options)) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    if (batch.empty()) return DeliveryResult::Ok();
    const TimePoint now = SystemClock::now();
    const std::string msg = BuildEmailMessage(batch, options_.envelope, now, NewMessageId(now));
    if (options_.use_sendmail)
      return SendWithSendmail(options_.sendmail_path, msg, options_.smtp.timeout);
    return SendSmtp(options_.smtp, options_.envelope, msg);
  }

 private:
  std::string name_;
  EmailOptions options_;
};

}  // namespace

std::unique_ptr<Notifier> MakeEmailNotifier(const NotifierConfig& config) {
  return std::make_unique<EmailNotifier>(config.name, ParseEmailOptions(config));
}

}  // namespace sshd_health
