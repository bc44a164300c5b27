#pragma once
// Helpers for the notify tests: alerts to send, notifier entries parsed from YAML the
// way config.yaml is, the python receivers (receivers.h), and a RecordingNotifier fake
// for dispatcher unit tests.
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "notify/notifier.h"
#include "receivers.h"
#include "subprocess.h"

namespace test {

inline sshd_health::Alert MakeAlert(
    const std::string& rule, const std::string& key,
    sshd_health::Severity severity = sshd_health::Severity::kCritical) {
  sshd_health::Alert a;
  a.rule = rule;
  a.id = sshd_health::AlertId(rule, key);
  a.severity = severity;
  a.host = "web1.example.org";
  a.summary = "sshd dropped connections: MaxStartups reached (" + key + ")";
  a.remedy =
      "Raise MaxStartups in /etc/ssh/sshd_config:\n  MaxStartups 30:30:100\nthen: systemctl reload "
      "ssh";
  a.labels = {{"ip", "192.0.2.7"}};
  a.count = 12;
  a.first_seen = sshd_health::TimePoint(std::chrono::seconds(1795278662));  // 2026-11-21T16:31:02Z
  a.last_seen = a.first_seen + std::chrono::seconds(30);
  a.evidence = {
      "sshd[812]: drop connection #10 from [192.0.2.7]:40022 on [10.0.0.1]:22 past MaxStartups"};
  return a;
}

/// Writes `yaml` (the notify: section and anything else) to DIR/config.yaml with
/// state_dir DIR/state and loads it.
inline sshd_health::Config LoadTestConfig(const std::string& dir, const std::string& yaml) {
  const std::string path = dir + "/config.yaml";
  WriteFile(path, "state_dir: " + dir + "/state\n" + yaml);
  return sshd_health::LoadConfig(path);
}

/// A notifier that records batches; its answers can be scripted (default: accept).
class RecordingNotifier final : public sshd_health::Notifier {
 public:
  explicit RecordingNotifier(std::string name = "rec",
                             sshd_health::Duration resend_interval = sshd_health::Duration(0))
      : name_(std::move(name)), resend_interval_(resend_interval) {}
  const std::string& Name() const override { return name_; }
  sshd_health::Duration ResendInterval() const override { return resend_interval_; }
  sshd_health::DeliveryResult Deliver(const std::vector<sshd_health::Alert>& batch) override {
    std::lock_guard lock(mu_);
    ++calls_;
    if (!script_.empty()) {
      auto r = script_.front();
      script_.pop_front();
      if (r.code != sshd_health::DeliveryResult::Code::kOk) return r;
    } else if (refuse_all_) {
      return sshd_health::DeliveryResult::Retry("refusing (test)");
    }
    batches_.push_back(batch);
    return sshd_health::DeliveryResult::Ok();
  }
  void Script(std::vector<sshd_health::DeliveryResult> results) {
    std::lock_guard lock(mu_);
    script_.assign(results.begin(), results.end());
  }
  void RefuseAll(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_all_ = refuse;
  }
  std::vector<std::vector<sshd_health::Alert>> Batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<sshd_health::Alert> Alerts() const {
    std::lock_guard lock(mu_);
    std::vector<sshd_health::Alert> out;
    for (const auto& b : batches_) out.insert(out.end(), b.begin(), b.end());
    return out;
  }
  int Calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }

 private:
  std::string name_;
  sshd_health::Duration resend_interval_;
  mutable std::mutex mu_;
  std::deque<sshd_health::DeliveryResult> script_;
  bool refuse_all_ = false;
  std::vector<std::vector<sshd_health::Alert>> batches_;
  int calls_ = 0;
};

}  // namespace test
