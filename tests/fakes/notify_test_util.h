#pragma once
// Helpers for the notify tests: alerts to send, notifier entries parsed from YAML the
// way config.yaml is, the python receivers in this folder started on a loopback port,
// and a RecordingNotifier fake for dispatcher unit tests.
#include <dirent.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/alert.h"
#include "core/config.h"
#include "notify/notifier.h"
#include "subprocess.h"
#include "temp_dir.h"

namespace test {

inline constexpr const char* kPython = "/usr/bin/python3";

inline std::string NotifyScript(const std::string& name) {
  return std::string(SSHD_HEALTH_NOTIFY_TEST_DIR) + "/" + name;
}

inline sshd_health::Alert MakeAlert(const std::string& rule, const std::string& key,
                                    sshd_health::Severity severity = sshd_health::Severity::kCritical) {
  sshd_health::Alert a;
  a.rule = rule;
  a.id = sshd_health::AlertId(rule, key);
  a.severity = severity;
  a.host = "web1.example.org";
  a.summary = "sshd dropped connections: MaxStartups reached (" + key + ")";
  a.remedy = "Raise MaxStartups in /etc/ssh/sshd_config:\n  MaxStartups 30:30:100\nthen: systemctl reload ssh";
  a.labels = {{"ip", "192.0.2.7"}};
  a.count = 12;
  a.first_seen = sshd_health::TimePoint(std::chrono::seconds(1795278662));  // 2026-11-21T16:31:02Z
  a.last_seen = a.first_seen + std::chrono::seconds(30);
  a.evidence = {"sshd[812]: drop connection #10 from [192.0.2.7]:40022 on [10.0.0.1]:22 past MaxStartups"};
  return a;
}

/// Writes `yaml` (the notify: section and anything else) to DIR/config.yaml with
/// state_dir DIR/state and loads it.
inline sshd_health::Config LoadTestConfig(const std::string& dir, const std::string& yaml) {
  const std::string path = dir + "/config.yaml";
  WriteFile(path, "state_dir: " + dir + "/state\n" + yaml);
  return sshd_health::LoadConfig(path);
}

/// Files in `dir` whose names start with `prefix` and end with `suffix`, sorted.
inline std::vector<std::string> ListFiles(const std::string& dir, const std::string& prefix,
                                          const std::string& suffix) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.rfind(prefix, 0) == 0 && n.size() >= suffix.size() &&
          n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(dir + "/" + n);
      }
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A python receiver from this folder on 127.0.0.1:<free port>, recording into its own
/// directory; stopped on destruction.
class PyReceiver {
 public:
  PyReceiver(const std::string& script, std::vector<std::string> extra_args, int port = 0)
      : script_(script), extra_(std::move(extra_args)), port_(port ? port : FreeTcpPort()) {}
  ~PyReceiver() { Stop(); }

  void Start() {
    std::vector<std::string> argv = {kPython, NotifyScript(script_), "--port", std::to_string(port_),
                                     "--dir", dir_.path()};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    Subprocess::Options o;
    o.stderr_path = dir_.path() + "/stderr";
    process_ = Subprocess(argv, o);
    const bool up = WaitFor([&] { return !process_.Running() || ::access(Ready().c_str(), F_OK) == 0; }, 15000ms);
    if (!up || !process_.Running()) {
      throw std::runtime_error(script_ + " did not start: " + ReadFile(dir_.path() + "/stderr"));
    }
  }
  void Stop() {
    process_.Stop();
    ::unlink(Ready().c_str());
  }

  int port() const { return port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  /// Recorded webhook requests (webhook_receiver.py), oldest first.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> out;
    for (const auto& f : ListFiles(dir_.path(), "req-", ".json")) out.push_back(nlohmann::json::parse(ReadFile(f)));
    return out;
  }
  /// Raw messages stored by smtp_receiver.py, oldest first.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const auto& f : ListFiles(dir_.path(), "msg-", ".eml")) out.push_back(ReadFile(f));
    return out;
  }
  nlohmann::json MessageMeta(std::size_t i) const {
    return nlohmann::json::parse(ReadFile(ListFiles(dir_.path(), "msg-", ".json").at(i)));
  }

 private:
  std::string Ready() const { return dir_.path() + "/ready"; }
  std::string script_;
  std::vector<std::string> extra_;
  int port_;
  TempDir dir_;
  Subprocess process_;
};

/// A notifier that records batches; its answers can be scripted (default: accept).
class RecordingNotifier final : public sshd_health::Notifier {
 public:
  explicit RecordingNotifier(std::string name = "rec") : name_(std::move(name)) {}
  const std::string& Name() const override { return name_; }
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
  mutable std::mutex mu_;
  std::deque<sshd_health::DeliveryResult> script_;
  bool refuse_all_ = false;
  std::vector<std::vector<sshd_health::Alert>> batches_;
  int calls_ = 0;
};

}  // namespace test
