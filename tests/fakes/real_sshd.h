#pragma once
// A real OpenSSH server (Debian's openssh-server) for tests: its own directory, config,
// ed25519 host key and -E log file, listening on a loopback address only. Started with
// -D so it stays our child; stopped (SIGTERM, then SIGKILL) on destruction.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "subprocess.h"

namespace test {

inline constexpr const char* kSshdBinary = "/usr/sbin/sshd";

/// sshd refuses to start, and `sshd -t`/`-T` to run, without its privilege separation
/// directory: "Missing privilege separation directory: /run/sshd". Debian's ssh.service
/// makes it (RuntimeDirectory=sshd), so a machine whose sshd never started since boot (a
/// new CI machine: /run is a tmpfs) has none. Tests run as root and make it.
inline void MakePrivsepDir() { std::filesystem::create_directories("/run/sshd"); }

class RealSshd {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    int port = 0;  // 0: a free port
    std::string log_level = "VERBOSE";
    std::vector<std::string> extra_config;  // sshd_config lines that win over the defaults
    std::vector<std::string> env;           // e.g. "LD_LIBRARY_PATH=..."
    /// A command sshd's argv is appended to, which must exec it in its own pid (so Stop
    /// signals sshd): e.g. unshare and a bind mount of a private /etc/hosts.deny.
    std::vector<std::string> wrapper;
  };

  /// Creates config and host key in `dir` (which must exist); does not start.
  RealSshd(std::string dir, Options options) : dir_(std::move(dir)), options_(std::move(options)) {
    if (options_.port == 0) options_.port = FreeTcpPort(options_.address.c_str());
    MakePrivsepDir();
    ::chmod(dir_.c_str(), 0755);
    const auto keygen = RunCommand(
        {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", host_key_path()});
    if (keygen.exit_code != 0) throw std::runtime_error("ssh-keygen failed");
    WriteConfig();
  }
  RealSshd(std::string dir) : RealSshd(std::move(dir), Options{}) {}
  ~RealSshd() { Stop(); }

  /// (Re)writes sshd_config: `extra_config` first - sshd keeps the first value it reads
  /// for a keyword, so those lines override the defaults below.
  void WriteConfig() {
    std::string text;
    for (const auto& line : options_.extra_config) text += line + "\n";
    text += "Port " + std::to_string(options_.port) + "\n" + "ListenAddress " + options_.address +
            "\n" + "HostKey " + host_key_path() + "\n" + "PidFile " + dir_ + "/sshd.pid\n" +
            "LogLevel " + options_.log_level + "\n" +
            "UsePAM no\n"
            "PasswordAuthentication yes\n"
            "KbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\n"
            "StrictModes yes\n"
            "AuthorizedKeysFile .ssh/authorized_keys\n";
    WriteFile(config_path(), text);
  }

  /// Starts sshd and waits until it accepts connections (or throws after 10 s).
  void Start() {
    Subprocess::Options o;
    o.env = options_.env;
    o.stderr_path = dir_ + "/sshd.stderr";
    std::vector<std::string> argv = options_.wrapper;
    argv.insert(argv.end(), {kSshdBinary, "-D", "-f", config_path(), "-E", log_path()});
    process_ = Subprocess(argv, o);
    const bool up = WaitFor(
        [&] {
          if (!process_.Running()) return true;
          return ReadFile(log_path()).find("Server listening on") != std::string::npos;
        },
        10000ms);
    if (!up || !process_.Running()) {
      throw std::runtime_error("sshd did not start: " + ReadFile(log_path()) +
                               ReadFile(dir_ + "/sshd.stderr"));
    }
  }

  void Stop() { process_.Stop(); }
  bool Running() { return process_.Running(); }
  pid_t pid() const { return process_.pid(); }
  void Reload() { process_.Signal(SIGHUP); }

  int port() const { return options_.port; }
  const std::string& address() const { return options_.address; }
  const std::string& dir() const { return dir_; }
  std::string config_path() const { return dir_ + "/sshd_config"; }
  std::string log_path() const { return dir_ + "/sshd.log"; }
  std::string host_key_path() const { return dir_ + "/ssh_host_ed25519_key"; }
  Options& options() { return options_; }
  std::string Log() const { return ReadFile(log_path()); }

  /// Runs the ssh client against this server non-interactively and returns its result
  /// (stdout+stderr in `out`). `extra` are options placed before the destination, e.g.
  /// {"-b", "127.0.0.3"} or {"-oKexAlgorithms=diffie-hellman-group1-sha1"}. With a
  /// non-empty `password`, sshpass types it (a wrong one makes a "Failed password" line).
  CommandOutput Client(const std::string& user, std::vector<std::string> extra = {},
                       const std::string& password = "") const {
    std::vector<std::string> argv;
    if (!password.empty()) argv = {"sshpass", "-p", password};
    std::vector<std::string> ssh = {"ssh",
                                    "-F",
                                    "/dev/null",
                                    "-o",
                                    "StrictHostKeyChecking=no",
                                    "-o",
                                    "UserKnownHostsFile=/dev/null",
                                    "-o",
                                    "ConnectTimeout=5",
                                    "-o",
                                    "LogLevel=INFO",
                                    "-o",
                                    "NumberOfPasswordPrompts=1",
                                    "-p",
                                    std::to_string(options_.port)};
    if (password.empty()) {
      ssh.insert(ssh.end(), {"-o", "BatchMode=yes"});
    } else {
      ssh.insert(ssh.end(),
                 {"-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"});
    }
    argv.insert(argv.end(), ssh.begin(), ssh.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(user + "@" + options_.address);
    argv.push_back("true");
    // stderr carries ssh's own messages ("kex_exchange_identification: ..."): merge it.
    return RunCommand(argv, {.timeout = 20000ms, .merge_stderr = true});
  }

 private:
  std::string dir_;
  Options options_;
  Subprocess process_;
};

}  // namespace test
