#pragma once
// The real sshd-health binary as a daemon under test, for the daemon tests and the
// end-to-end scenarios: a config in a directory the test owns, stdout (alerts from a
// stdout notifier) and stderr (its log) in files there, and a NOTIFY_SOCKET the test
// reads, as systemd would, so Start() returns once the daemon said READY=1 (it has
// opened its sources). Records the daemon read are observed in its log at
// `log_level: trace` ("record SOURCE: LINE"), independent of the parser.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "subprocess.h"

namespace test {

/// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path_.size() >= sizeof sa.sun_path) throw std::runtime_error("notify socket path too long");
    std::copy(path_.begin(), path_.end(), sa.sun_path);
    ::unlink(path_.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      throw std::runtime_error("bind notify socket");
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  /// Every message received so far, in order.
  const std::vector<std::string>& Messages() {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0)
      messages_.emplace_back(buf, static_cast<std::size_t>(n));
    return messages_;
  }
  bool Received(const std::string& part) {
    for (const auto& m : Messages()) {
      if (m.find(part) != std::string::npos) return true;
    }
    return false;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

class DaemonUnderTest {
 public:
  explicit DaemonUnderTest(std::string dir)
      : dir_(std::move(dir)), notify_(dir_ + "/notify.sock") {}
  /// As above, and writes `config_yaml` to config_path(); does not start.
  DaemonUnderTest(std::string dir, const std::string& config_yaml)
      : DaemonUnderTest(std::move(dir)) {
    WriteConfig(config_yaml);
  }
  ~DaemonUnderTest() { process_.Kill(); }

  std::string config_path() const { return dir_ + "/config.yaml"; }
  std::string out_path() const { return dir_ + "/daemon.out"; }
  std::string err_path() const { return dir_ + "/daemon.err"; }

  /// Writes the daemon's config. One without a status_file of its own gets one in the
  /// test's directory: a test daemon must never write the machine's
  /// /run/sshd-health/status.json (a real daemon's, or another test's).
  void WriteConfig(const std::string& yaml) {
    std::string text = yaml;
    if (text.find("status_file:") == std::string::npos) {
      if (!text.empty() && text.back() != '\n') text += '\n';
      text += "status_file: " + status_path() + "\n";
    }
    WriteFile(config_path(), text);
  }
  std::string status_path() const { return dir_ + "/run/status.json"; }

  /// Runs the daemon through `wrapper` (e.g. setpriv ... to drop privileges): the
  /// wrapper's argv, then the daemon's.
  void SetWrapper(std::vector<std::string> wrapper) { wrapper_ = std::move(wrapper); }
  /// The daemon's process id (while it runs).
  pid_t pid() const { return process_.pid(); }

  /// Starts the daemon and waits for READY=1 (throws after 30 s, or when it exits first,
  /// with its log).
  void Start(std::vector<std::string> extra_args = {}) {
    Subprocess::Options o;
    o.stdout_path = out_path();
    o.stderr_path = err_path();
    o.env = {"NOTIFY_SOCKET=" + notify_.path()};
    std::vector<std::string> argv = wrapper_;
    for (const char* a : {SSHD_HEALTH_BINARY, "daemon", "-c"}) argv.emplace_back(a);
    argv.push_back(config_path());
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    const std::size_t ready_before = CountReady();
    process_ = Subprocess(argv, o);
    if (!WaitFor([&] { return CountReady() > ready_before || !process_.Running(); },
                 std::chrono::seconds(30)) ||
        !process_.Running()) {
      throw std::runtime_error("daemon did not become ready: " + Err());
    }
  }

  /// SIGTERM; returns the exit code (137: did not exit within 10 s and was killed).
  int Stop() { return process_.Stop(std::chrono::seconds(10)); }
  void Signal(int sig) { process_.Signal(sig); }
  /// SIGKILL, as a crash: nothing saved, nothing flushed.
  void Kill() { process_.Kill(); }
  bool Running() { return process_.Running(); }

  std::string Out() const { return ReadFile(out_path()); }
  std::string Err() const { return ReadFile(err_path()); }
  NotifySocket& notify() { return notify_; }

  /// How often each line was read, over every run of the daemon in this directory.
  std::map<std::string, int> Records() const {
    std::map<std::string, int> counts;
    std::istringstream in(Err());
    std::string l;
    while (std::getline(in, l)) {
      const auto at = l.find(" record ");
      if (at == std::string::npos) continue;
      const auto colon = l.find(": ", at);
      if (colon == std::string::npos) continue;
      ++counts[l.substr(colon + 2)];
    }
    return counts;
  }
  int RecordCount(const std::string& line) const {
    const auto r = Records();
    const auto it = r.find(line);
    return it == r.end() ? 0 : it->second;
  }

  /// Alert JSON lines on stdout containing `part`.
  int AlertsContaining(const std::string& part) const {
    std::istringstream in(Out());
    std::string l;
    int n = 0;
    while (std::getline(in, l)) n += l.find(part) != std::string::npos;
    return n;
  }

 private:
  std::size_t CountReady() {
    std::size_t n = 0;
    for (const auto& m : notify_.Messages()) n += m.find("READY=1") != std::string::npos;
    return n;
  }

  std::string dir_;
  NotifySocket notify_;
  std::vector<std::string> wrapper_;
  Subprocess process_;
};

}  // namespace test
