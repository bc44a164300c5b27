#pragma once
// Notifier: knows how to deliver one batch of alerts to one place, nothing more. Queues,
// retries, dedup, grouping, rate limits and the spool belong to the dispatcher.
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"

namespace sshd_health {

struct DeliveryResult {
  enum class Code { kOk, kRetry, kPermanent };
  Code code = Code::kOk;
  std::string reason;  // for kRetry / kPermanent: why, for the admin; never holds secrets

  static DeliveryResult Ok() { return {Code::kOk, {}}; }
  static DeliveryResult Retry(std::string why) { return {Code::kRetry, std::move(why)}; }
  static DeliveryResult Permanent(std::string why) { return {Code::kPermanent, std::move(why)}; }
};

/// Deliver is called from the dispatcher's delivery thread, never from the event loop,
/// one call at a time per notifier. It may block (bounded by the notifier's timeouts).
class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual const std::string& Name() const = 0;
  virtual DeliveryResult Deliver(const std::vector<Alert>& batch) = 0;
  /// How often the dispatcher sends again the alerts this notifier accepted that are still
  /// firing; zero (the default) means never. For a receiver that forgets an alert it is
  /// not reminded of (Alertmanager ends it at endsAt), as Prometheus re-sends its own.
  virtual Duration ResendInterval() const { return Duration(0); }
};

}  // namespace sshd_health
