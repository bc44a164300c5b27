#include "notify/alert_output.h"

#include <cstdio>
#include <mutex>

namespace sshd_health {
namespace {

// STUB until the notifier layer (issue 5): every alert as a JSON line on stdout.
class StdoutOutput final : public AlertOutput {
 public:
  void Emit(const Alert& alert) override {
    const std::string line = AlertToJsonLine(alert) + "\n";
    std::lock_guard lock(mu_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    ++stats_.emitted;
    ++stats_.delivered;
  }
  void Start() override {}
  void Stop(Duration) override {}
  AlertOutputStats Stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  mutable std::mutex mu_;
  AlertOutputStats stats_;
};

}  // namespace

std::unique_ptr<AlertOutput> MakeAlertOutput(const Config& config) {
  (void)config;
  return std::make_unique<StdoutOutput>();
}

void ValidateNotifiers(const Config& config) { (void)config; }

}  // namespace sshd_health
