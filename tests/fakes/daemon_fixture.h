#pragma once
// The real sshd-health binary as tests run it: a daemon started with a config written
// into a temp dir (stdout and stderr captured to files), and a real HTTP receiver for
// its webhook notifier. Both are stopped on destruction.
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "subprocess.h"

namespace test {

/// Path of the repo's shipped rules, for test configs.
inline std::string ShippedRulesDir() { return std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules"; }

class DaemonProcess {
 public:
  /// Writes `config_yaml` to DIR/config.yaml; does not start.
  DaemonProcess(std::string dir, const std::string& config_yaml) : dir_(std::move(dir)) {
    WriteFile(config_path(), config_yaml);
  }
  ~DaemonProcess() { Stop(); }

  void Start(std::vector<std::string> extra_args = {}) {
    Subprocess::Options o;
    o.stdout_path = stdout_path();
    o.stderr_path = stderr_path();
    std::vector<std::string> argv = {SSHD_HEALTH_BINARY, "daemon", "-c", config_path()};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = Subprocess(argv, o);
  }
  int Stop() { return process_.Stop(); }
  void Reload() { process_.Signal(SIGHUP); }
  bool Running() { return process_.Running(); }

  std::string config_path() const { return dir_ + "/config.yaml"; }
  std::string stdout_path() const { return dir_ + "/daemon.stdout"; }
  std::string stderr_path() const { return dir_ + "/daemon.stderr"; }
  std::string Stdout() const { return ReadFile(stdout_path()); }
  std::string Stderr() const { return ReadFile(stderr_path()); }

 private:
  std::string dir_;
  Subprocess process_;
};

/// tests/fakes/webhook_receiver.py on 127.0.0.1:port, recording to DIR/webhook.jsonl.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::string dir, int fail_first = 0)
      : dir_(std::move(dir)), port_(FreeTcpPort()), fail_first_(fail_first) {}
  ~WebhookReceiver() { Stop(); }

  void Start() {
    const std::string script = std::string(SSHD_HEALTH_SOURCE_TREE) + "/tests/fakes/webhook_receiver.py";
    ::unlink((out_path() + ".ready").c_str());
    process_ = Subprocess({"/usr/bin/python3", script, "--port", std::to_string(port_), "--out",
                           out_path(), "--fail-first", std::to_string(fail_first_)});
    if (!test::WaitFor([&] { return ::access((out_path() + ".ready").c_str(), F_OK) == 0; }, 10000ms)) {
      throw std::runtime_error("webhook receiver did not start");
    }
  }
  void Stop() { process_.Stop(); }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  std::string out_path() const { return dir_ + "/webhook.jsonl"; }

  /// Every alert received so far (a batch body is a JSON array of alerts).
  std::vector<nlohmann::json> Alerts() const {
    std::vector<nlohmann::json> out;
    std::istringstream in(ReadFile(out_path()));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto rec = nlohmann::json::parse(line, nullptr, false);
      if (rec.is_discarded() || !rec.contains("body")) continue;
      const auto& body = rec["body"];
      if (body.is_array()) {
        for (const auto& a : body) out.push_back(a);
      } else if (body.is_object()) {
        out.push_back(body);
      }
    }
    return out;
  }

  /// Alerts whose "rule" is `rule` and "status" is `status`.
  std::vector<nlohmann::json> Find(const std::string& rule, const std::string& status = "firing") const {
    std::vector<nlohmann::json> out;
    for (const auto& a : Alerts()) {
      if (a.value("rule", "") == rule && a.value("status", "") == status) out.push_back(a);
    }
    return out;
  }

  /// Waits until an alert of `rule`/`status` arrived; returns it (or null on timeout).
  nlohmann::json WaitFor(const std::string& rule, const std::string& status = "firing",
                         std::chrono::milliseconds timeout = 20000ms) const {
    nlohmann::json found;
    test::WaitFor([&] {
      const auto v = Find(rule, status);
      if (v.empty()) return false;
      found = v.front();
      return true;
    }, timeout, 50ms);
    return found;
  }

 private:
  std::string dir_;
  int port_;
  int fail_first_;
  Subprocess process_;
};

}  // namespace test
