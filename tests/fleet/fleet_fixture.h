#pragma once
// The real engines a fleet runs, from Debian's packages, on 127.0.0.1 with free ports and
// directories the test owns: Prometheus (scraping the daemon, evaluating the shipped
// config/prometheus-rules.yml every second), Alertmanager (clustering off), and the daemon
// itself (a file source, a metrics port, the test's notifiers). Each is killed by its
// destructor; every wait has a deadline.
#include <curl/curl.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon_harness.h"
#include "http_get.h"
#include "subprocess.h"
#include "syslog_lines.h"
#include "temp_dir.h"

namespace test {

inline constexpr const char* kPrometheus = "/usr/bin/prometheus";
inline constexpr const char* kPromtool = "/usr/bin/promtool";
inline constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";
inline constexpr const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";

inline std::string UrlEncode(const std::string& s) {
  CURL* c = curl_easy_init();
  char* e = curl_easy_escape(c, s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  curl_easy_cleanup(c);
  return out;
}

/// A syslog line from sshd as the daemon's file source reads it, stamped now.
inline std::string SshdLine(const std::string& message, int pid = 4711) {
  return StampedSyslogLine(message, pid, "web1") + "\n";
}

/// A server on 127.0.0.1:port started with `argv`, ready once GET `ready_url` answers 200.
class Engine {
 public:
  Engine(std::string name, std::string dir, int port)
      : name_(std::move(name)), dir_(std::move(dir)), port_(port) {}
  ~Engine() { Stop(); }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string log() const { return ReadFile(dir_ + "/" + name_ + ".log"); }

  /// Starts and waits (20 s) for /-/ready; false (with the log in `log()`) otherwise.
  bool Start(const std::vector<std::string>& argv) {
    Subprocess::Options o;
    o.stderr_path = dir_ + "/" + name_ + ".log";
    o.stdout_path = dir_ + "/" + name_ + ".out";
    process_ = Subprocess(argv, o);
    return WaitFor([&] { return !process_.Running() || !HttpGet(base() + "/-/ready").empty(); },
                   std::chrono::seconds(20), std::chrono::milliseconds(100)) &&
           process_.Running();
  }
  void Stop() { process_.Kill(); }

 protected:
  std::string name_;
  std::string dir_;
  int port_;
  Subprocess process_;
};

/// Alertmanager with its own storage and clustering off (--cluster.listen-address=).
class Alertmanager : public Engine {
 public:
  Alertmanager(const std::string& dir, const std::string& name)
      : Engine(name, dir + "/" + name, FreeTcpPort()) {
    std::filesystem::create_directories(dir_);
    WriteFile(dir_ + "/alertmanager.yml", "route:\n  receiver: none\nreceivers:\n  - name: none\n");
  }
  bool Start() {
    return Engine::Start({kAlertmanager, "--config.file=" + dir_ + "/alertmanager.yml",
                          "--storage.path=" + dir_ + "/data",
                          "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                          "--cluster.listen-address=", "--log.level=warn"});
  }
  /// The active alerts named `alertname` (GET /api/v2/alerts).
  std::vector<nlohmann::json> Active(const std::string& alertname) const {
    std::vector<nlohmann::json> out;
    const std::string body = HttpGet(base() + "/api/v2/alerts?active=true&silenced=false");
    if (body.empty()) return out;
    for (const auto& a : nlohmann::json::parse(body, nullptr, false)) {
      if (a["labels"].value("alertname", "") == alertname &&
          a["status"].value("state", "") == "active")
        out.push_back(a);
    }
    return out;
  }
};

/// Prometheus scraping `target` (job sshd-health, label host=web1 unless `host_label` is
/// false: a central daemon's series carry their own) every second and evaluating
/// `rule_file` every second.
class Prometheus : public Engine {
 public:
  Prometheus(const std::string& dir, const std::string& target, const std::string& rule_file,
             bool host_label = true)
      : Engine("prometheus", dir + "/prometheus", FreeTcpPort()) {
    std::filesystem::create_directories(dir_);
    WriteFile(dir_ + "/prometheus.yml",
              "global: { scrape_interval: 1s, evaluation_interval: 1s }\n"
              "rule_files: ['" +
                  rule_file +
                  "']\n"
                  "scrape_configs:\n"
                  "  - job_name: sshd-health\n"
                  "    static_configs:\n"
                  "      - targets: ['" +
                  target + "']\n" + (host_label ? "        labels: { host: web1 }\n" : ""));
  }
  bool Start() {
    return Engine::Start({kPrometheus, "--config.file=" + dir_ + "/prometheus.yml",
                          "--storage.tsdb.path=" + dir_ + "/data",
                          "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                          "--log.level=warn"});
  }
  /// The result vector of an instant query (empty on error).
  nlohmann::json Query(const std::string& promql) const {
    const std::string body = HttpGet(base() + "/api/v1/query?query=" + UrlEncode(promql));
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return nlohmann::json::array();
    return j["data"]["result"];
  }
  /// The alerts Prometheus holds now (GET /api/v1/alerts).
  nlohmann::json Alerts() const {
    const auto j = nlohmann::json::parse(HttpGet(base() + "/api/v1/alerts"), nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return nlohmann::json::array();
    return j["data"]["alerts"];
  }
};

/// node_exporter with only its textfile collector, reading `textfile_dir`.
class NodeExporter : public Engine {
 public:
  NodeExporter(const std::string& dir, std::string textfile_dir)
      : Engine("node_exporter", dir + "/node_exporter", FreeTcpPort()),
        textfile_dir_(std::move(textfile_dir)) {
    std::filesystem::create_directories(dir_);
  }
  bool Start() {
    // node_exporter has no /-/ready: its landing page answers once it listens.
    Subprocess::Options o;
    o.stderr_path = dir_ + "/" + name_ + ".log";
    o.stdout_path = dir_ + "/" + name_ + ".out";
    process_ = Subprocess({kNodeExporter, "--collector.disable-defaults", "--collector.textfile",
                           "--collector.textfile.directory=" + textfile_dir_,
                           "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
                          o);
    return WaitFor([&] { return !process_.Running() || !HttpGet(base() + "/").empty(); },
                   std::chrono::seconds(20), std::chrono::milliseconds(100)) &&
           process_.Running();
  }
  std::string Metrics() const { return HttpGet(base() + "/metrics"); }

 private:
  std::string textfile_dir_;
};

}  // namespace test
