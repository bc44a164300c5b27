#pragma once
// One end-to-end scenario: a real sshd on its own 127.0.0.x address and port, the real
// sshd-health daemon tailing its log (an -E file, or a journal directory written by
// systemd-journal-remote), alerts going to a real webhook receiver. Everything lives in
// one temp dir and stops when the scenario ends.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon_harness.h"
#include "real_sshd.h"
#include "receivers.h"
#include "subprocess.h"
#include "temp_dir.h"

namespace test {

/// Path of the repo's shipped rules, for the scenarios' config.
inline std::string ShippedRulesDir() { return std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules"; }

/// A distinct loopback address per scenario (127.0.0.10, .11, ...), so scenarios'
/// sources and servers never mix even when ctest runs them in parallel.
inline std::string ScenarioAddress(int n) { return "127.0.0." + std::to_string(10 + n); }

enum class LogPath { kFile, kJournal };

/// Forwards every line sshd writes to its -E log into systemd-journal-remote as journal
/// export entries (SYSLOG_IDENTIFIER=sshd), so the daemon reads a real journal.
class JournalForwarder {
 public:
  JournalForwarder(std::string log_path, std::string journal_dir)
      : log_path_(std::move(log_path)), journal_dir_(std::move(journal_dir)) {
    std::filesystem::create_directories(journal_dir_);
    Subprocess::Options o;
    o.stdin_pipe = true;
    o.stderr_path = journal_dir_ + "/../journal-remote.stderr";
    remote_ = Subprocess(
        {"/lib/systemd/systemd-journal-remote", "-o", journal_dir_ + "/sshd.journal", "-"}, o);
    thread_ = std::thread([this] { Run(); });
  }
  ~JournalForwarder() {
    stop_ = true;
    thread_.join();
    remote_.CloseStdin();
    remote_.Wait(5000ms);
  }

 private:
  void Run() {
    std::size_t offset = 0;
    std::string partial;
    while (!stop_) {
      const std::string all = ReadFile(log_path_);
      if (all.size() > offset) {
        partial += all.substr(offset);
        offset = all.size();
        std::size_t nl;
        while ((nl = partial.find('\n')) != std::string::npos) {
          std::string line = partial.substr(0, nl);
          partial.erase(0, nl + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
          remote_.WriteStdin("__REALTIME_TIMESTAMP=" + std::to_string(now) +
                             "\nSYSLOG_IDENTIFIER=sshd\n_PID=1\n_HOSTNAME=e2e\nMESSAGE=" + line +
                             "\n\n");
        }
      }
      std::this_thread::sleep_for(20ms);  // a log shipper's poll, not an assertion
    }
  }

  std::string log_path_;
  std::string journal_dir_;
  Subprocess remote_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

struct ScenarioOptions {
  int number = 0;                             // picks the 127.0.0.x address
  std::vector<std::string> sshd_config = {};  // extra sshd_config lines
  std::vector<std::string> sshd_env = {};     // e.g. LD_LIBRARY_PATH
  LogPath log_path = LogPath::kFile;
  std::string audit_interval = "2s";
  /// Rule files written to the scenario's rules.d, loaded after the shipped rules: a file
  /// of a shipped file's name replaces it (e.g. a shorter first_seen learning time).
  std::vector<std::pair<std::string, std::string>> rule_files = {};
  std::vector<std::string> daemon_args = {};  // e.g. {"--logs-not-seen-grace-ms", "3000"}
  std::string daemon_log_file = {};           // the file the daemon reads; empty: sshd's log
  std::string daemon_log_level = {};          // log_level: in the daemon's config; empty: default
  std::string metrics_listen = {};            // metrics.listen, e.g. "127.0.0.1:9712"; empty: off
};

class Scenario {
 public:
  explicit Scenario(ScenarioOptions options) : options_(std::move(options)) {
    std::filesystem::create_directories(sshd_dir());
    RealSshd::Options so;
    so.address = ScenarioAddress(options_.number);
    so.extra_config = options_.sshd_config;
    so.env = options_.sshd_env;
    sshd_ = std::make_unique<RealSshd>(sshd_dir(), so);
    receiver_ = std::make_unique<WebhookReceiver>();
  }
  ~Scenario() {
    daemon_.reset();
    forwarder_.reset();
  }

  /// Starts receiver, sshd (unless told not to) and the daemon; returns once the daemon
  /// is ready (READY=1: it has opened its sources).
  void Start(bool start_sshd = true) {
    receiver_->Start();
    if (start_sshd) sshd_->Start();
    if (options_.log_path == LogPath::kJournal) {
      forwarder_ = std::make_unique<JournalForwarder>(sshd_->log_path(), journal_dir());
    }
    // The daemon starts following its sources at their end: what the scenario provokes
    // must come after it says it is ready, which Start() waits for.
    daemon_ = std::make_unique<DaemonUnderTest>(dir_.path(), DaemonConfig());
    daemon_->Start(options_.daemon_args);
  }

  std::string DaemonConfig() const {
    std::string sources;
    if (options_.log_path == LogPath::kJournal) {
      sources = "  journal: { enabled: true, directory: \"" + journal_dir() +
                "\", start: head }\n"
                "  files: []\n";
    } else {
      sources =
          "  journal: { enabled: false }\n"
          "  files: [ { path: \"" +
          (options_.daemon_log_file.empty() ? sshd_->log_path() : options_.daemon_log_file) +
          "\" } ]\n";
    }
    std::string rule_paths = "\"" + ShippedRulesDir() + "\"";
    if (!options_.rule_files.empty()) {
      const std::string local = dir_.path() + "/rules.d";
      std::filesystem::create_directories(local);
      for (const auto& [name, text] : options_.rule_files) WriteFile(local + "/" + name, text);
      rule_paths += ", \"" + local + "\"";
    }
    return (options_.daemon_log_level.empty() ? std::string()
                                              : "log_level: " + options_.daemon_log_level + "\n") +
           "state_dir: " + dir_.path() +
           "/state\n"
           "sources:\n" +
           sources + "rules: { paths: [" + rule_paths +
           "] }\n"
           "audit:\n"
           "  interval: " +
           options_.audit_interval +
           "\n"
           "  sshd_binary: /usr/sbin/sshd\n"
           "  sshd_config: " +
           sshd_->config_path() +
           "\n"
           "  probe: { address: " +
           sshd_->address() + ", port: " + std::to_string(sshd_->port()) +
           ", timeout: 2s }\n"
           "notify:\n"
           "  group_wait: 200ms\n"
           "  notifiers:\n"
           "    - { name: hook, type: webhook, url: \"" +
           receiver_->url() +
           "\", format: json }\n"
           "    - { name: out, type: stdout, format: json }\n" +
           (options_.metrics_listen.empty()
                ? std::string()
                : "metrics: { listen: \"" + options_.metrics_listen + "\" }\n");
  }

  /// `sshd-health check` once against this scenario's sshd; returns the parsed report.
  nlohmann::json Check(const std::vector<std::string>& only = {}) const {
    std::vector<std::string> argv = {SSHD_HEALTH_BINARY,   "check",    "-c",
                                     daemon_config_path(), "--format", "json"};
    for (const auto& o : only) {
      argv.push_back("--only");
      argv.push_back(o);
    }
    const auto r = RunCommand(argv, 30000ms);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) j = nlohmann::json{{"unparsed", r.out}};
    j["exit_code"] = r.exit_code;
    return j;
  }

  /// The findings with `id` in a check report.
  static std::vector<nlohmann::json> Findings(const nlohmann::json& report, const std::string& id) {
    std::vector<nlohmann::json> out;
    if (!report.contains("checks")) return out;
    for (const auto& c : report["checks"]) {
      for (const auto& f : c.value("findings", nlohmann::json::array())) {
        if (f.value("id", "") == id) out.push_back(f);
      }
    }
    return out;
  }

  /// A diagnostic dump for failed assertions.
  std::string Diagnostics() const {
    return "--- sshd log:\n" + sshd_->Log() + "\n--- daemon stdout:\n" + daemon_->Out() +
           "\n--- daemon stderr:\n" + daemon_->Err() + "\n--- webhook:\n" + receiver_->Dump();
  }

  RealSshd& sshd() { return *sshd_; }
  WebhookReceiver& receiver() { return *receiver_; }
  DaemonUnderTest& daemon() { return *daemon_; }
  const std::string& dir() const { return dir_.path(); }
  std::string sshd_dir() const { return dir_.path() + "/sshd"; }
  std::string journal_dir() const { return dir_.path() + "/journal"; }
  std::string daemon_config_path() const { return dir_.path() + "/config.yaml"; }

 private:
  ScenarioOptions options_;
  TempDir dir_;
  std::unique_ptr<RealSshd> sshd_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<JournalForwarder> forwarder_;
  std::unique_ptr<DaemonUnderTest> daemon_;
};

/// Holds unauthenticated connections open to address:port, idle after the server's banner
/// (never sending one back), as a brute-force wave's half-open connections do. sshd's
/// MaxStartups drops some at random between start and full ("Exceeded MaxStartups" and a
/// close instead of a banner), so it keeps connecting until `held` connections got a
/// banner, giving up after `max_attempts`. Closed on destruction.
class IdleConnections {
 public:
  // Tries until `held` connections have their banner or `deadline` passes. Not a count
  // of attempts: a connection whose banner came late (a loaded machine) is closed here
  // but still counts against MaxStartups until its sshd child notices, and every attempt
  // meanwhile is dropped at once; a fixed number of attempts ran out within milliseconds.
  IdleConnections(const std::string& address, int port, std::size_t held,
                  std::chrono::seconds deadline = std::chrono::seconds(30)) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (fds_.size() < held && std::chrono::steady_clock::now() < until) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<uint16_t>(port));
      ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && GotBanner(fd)) {
        fds_.push_back(fd);
      } else {
        ::close(fd);
        // The poll interval of this wait, so a full sshd is not hammered.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  ~IdleConnections() {
    for (int fd : fds_) ::close(fd);
  }
  std::size_t size() const { return fds_.size(); }

 private:
  static bool GotBanner(int fd) {
    char buf[256];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n >= 4 && std::string(buf, 4) == "SSH-";
  }

  std::vector<int> fds_;
};

}  // namespace test
