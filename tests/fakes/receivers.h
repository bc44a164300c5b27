#pragma once
// The python fakes in tests/fakes (webhook_receiver.py, smtp_receiver.py) run as real
// servers on loopback, and what they recorded read back. Each script's docstring says
// what it records; a receiver lives in its own temporary directory.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.h"
#include "temp_dir.h"

namespace test {

inline constexpr const char* kPython = "/usr/bin/python3";

/// The path of a python fake in tests/fakes.
inline std::string FakeScript(const std::string& name) {
  return std::string(SSHD_HEALTH_FAKES_DIR) + "/" + name;
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

/// A python receiver from tests/fakes (`script`: webhook_receiver.py, smtp_receiver.py)
/// on 127.0.0.1:<free port>, recording into its own temporary directory. Start() waits
/// for it to listen (throws after 15 s, with its stderr); stopped on destruction.
class PyReceiver {
 public:
  PyReceiver(const std::string& script, std::vector<std::string> extra_args, int port = 0)
      : script_(script), extra_(std::move(extra_args)), port_(port ? port : FreeTcpPort()) {}
  ~PyReceiver() { Stop(); }

  void Start() {
    std::vector<std::string> argv = {kPython, FakeScript(script_), "--port", std::to_string(port_),
                                     "--dir", dir_.path()};
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    Subprocess::Options o;
    o.stderr_path = dir_.path() + "/stderr";
    process_ = Subprocess(argv, o);
    const bool up = WaitFor(
        [&] { return !process_.Running() || ::access(Ready().c_str(), F_OK) == 0; }, 15000ms);
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
    for (const auto& f : ListFiles(dir_.path(), "req-", ".json"))
      out.push_back(nlohmann::json::parse(ReadFile(f)));
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

/// webhook_receiver.py, with the alerts it received read as JSON: what the end-to-end
/// tests wait for.
class WebhookReceiver : public PyReceiver {
 public:
  explicit WebhookReceiver(std::vector<std::string> extra_args = {})
      : PyReceiver("webhook_receiver.py", std::move(extra_args)) {}

  /// Every alert in a request that was answered 200, oldest first (a batch body is a
  /// JSON array of alerts, a single alert an object).
  std::vector<nlohmann::json> Alerts() const {
    std::vector<nlohmann::json> out;
    for (const auto& req : Requests()) {
      // "hang" and "slow" (webhook_receiver.py's fault modes) were not answered 200.
      if (!req["status"].is_number_integer() || req["status"].get<int>() != 200) continue;
      const auto body = nlohmann::json::parse(req.value("body", ""), nullptr, false);
      if (body.is_array()) {
        for (const auto& a : body) out.push_back(a);
      } else if (body.is_object()) {
        out.push_back(body);
      }
    }
    return out;
  }

  /// Alerts whose "rule" is `rule` and "status" is `status`.
  std::vector<nlohmann::json> Find(const std::string& rule,
                                   const std::string& status = "firing") const {
    std::vector<nlohmann::json> out;
    for (const auto& a : Alerts()) {
      if (a.value("rule", "") == rule && a.value("status", "") == status) out.push_back(a);
    }
    return out;
  }

  /// Waits until an alert of `rule`/`status` arrived; returns the first (null on timeout).
  nlohmann::json WaitFor(const std::string& rule, const std::string& status = "firing",
                         std::chrono::milliseconds timeout = 20000ms) const {
    nlohmann::json found;
    test::WaitFor(
        [&] {
          const auto v = Find(rule, status);
          if (v.empty()) return false;
          found = v.front();
          return true;
        },
        timeout, 50ms);
    return found;
  }

  /// Every request as recorded, one JSON object a line, for failure messages.
  std::string Dump() const {
    std::ostringstream out;
    for (const auto& req : Requests()) out << req.dump() << "\n";
    return out.str();
  }
};

}  // namespace test
