#pragma once
// Test helpers for real programs: start one (no shell), wait on a condition with a
// deadline, stop it. Header-only; tests never sleep to assert - they poll a condition
// until a deadline and fail with a message when it passes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace test {

using namespace std::chrono_literals;

/// Polls `condition` every `step` until it is true (returns true) or `timeout` passes
/// (returns false).
inline bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds step = 20ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline void AppendFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << text;
  if (!out) throw std::runtime_error("cannot append to " + path);
}

/// A TCP port on `address` that was free a moment ago (bind to 0, read, close).
inline int FreeTcpPort(const char* address = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = 0;
  ::inet_pton(AF_INET, address, &sa.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    throw std::runtime_error("bind for a free port failed");
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return ntohs(sa.sin_port);
}

/// A child process started without a shell. Killed (SIGKILL) on destruction if still
/// running.
class Subprocess {
 public:
  struct Options {
    std::vector<std::string> env;  // extra "K=V" entries added to this environment
    std::string stdout_path;       // empty: inherit
    std::string stderr_path;       // empty: inherit
    bool stdin_pipe = false;       // give the child a pipe on stdin (see WriteStdin)
  };

  Subprocess() = default;
  Subprocess(const std::vector<std::string>& argv, const Options& options) { Start(argv, options); }
  explicit Subprocess(const std::vector<std::string>& argv) { Start(argv, Options{}); }
  ~Subprocess() { Kill(); }
  Subprocess(Subprocess&& o) noexcept { *this = std::move(o); }
  Subprocess& operator=(Subprocess&& o) noexcept {
    std::swap(pid_, o.pid_);
    std::swap(stdin_fd_, o.stdin_fd_);
    std::swap(status_, o.status_);
    return *this;
  }

  pid_t pid() const { return pid_; }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      status_ = status;
      pid_ = -1;
      return false;
    }
    return true;
  }

  /// Waits up to `timeout` for exit; returns the exit code (128+signal), or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout) {
    if (!WaitFor([&] { return !Running(); }, timeout, 10ms)) return -1;
    return ExitCode();
  }

  int ExitCode() const {
    if (WIFEXITED(status_)) return WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
    return -1;
  }

  void Signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

  /// SIGTERM, then SIGKILL after `grace`. Returns the exit code.
  int Stop(std::chrono::milliseconds grace = 5000ms) {
    if (pid_ <= 0) return ExitCode();
    Signal(SIGTERM);
    if (Wait(grace) >= 0) return ExitCode();
    Kill();
    return ExitCode();
  }

  void Kill() {
    CloseStdin();
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
    pid_ = -1;
  }

  void WriteStdin(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::write(stdin_fd_, data.data() + off, data.size() - off);
      if (n <= 0) throw std::runtime_error("write to child's stdin failed");
      off += static_cast<std::size_t>(n);
    }
  }

  void CloseStdin() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
  }

 private:
  void Start(const std::vector<std::string>& argv, const Options& options) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int pipe_fds[2] = {-1, -1};
    if (options.stdin_pipe) {
      if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
      posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], 0);
    }
    if (!options.stdout_path.empty()) {
      posix_spawn_file_actions_addopen(&actions, 1, options.stdout_path.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0644);
    }
    if (!options.stderr_path.empty()) {
      posix_spawn_file_actions_addopen(&actions, 2, options.stderr_path.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0644);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    for (const auto& e : options.env) env_strings.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (options.stdin_pipe) {
      ::close(pipe_fds[0]);
      stdin_fd_ = pipe_fds[1];
    }
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + argv[0]);
    }
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int status_ = 0;
};

/// What a command run to completion left: its exit code (-1: killed at the deadline),
/// stdout and stderr.
struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;  // empty with merge_stderr: it went into `out`
};

struct RunOptions {
  std::chrono::milliseconds timeout = 30000ms;  // then SIGKILL, exit_code -1
  std::vector<std::string> env = {};            // extra "K=V" entries
  std::optional<std::string> stdin_text = {};   // fed on a pipe, then EOF; none: inherit
  bool merge_stderr = false;                    // stderr into `out`, interleaved as written
};

/// Runs `argv` (no shell) to completion, bounded by `options.timeout`, capturing stdout
/// and stderr through files in a temporary directory: the one way tests run a program.
inline CommandOutput RunCommand(const std::vector<std::string>& argv, const RunOptions& options) {
  char dir[] = "/tmp/sshd-health-cmd.XXXXXX";
  if (!::mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
  const std::string out_path = std::string(dir) + "/stdout";
  const std::string err_path = options.merge_stderr ? out_path : std::string(dir) + "/stderr";
  CommandOutput result;
  {
    Subprocess::Options o;
    o.stdout_path = out_path;
    o.stderr_path = err_path;
    o.env = options.env;
    o.stdin_pipe = options.stdin_text.has_value();
    Subprocess p(argv, o);
    if (options.stdin_text) {
      p.WriteStdin(*options.stdin_text);
      p.CloseStdin();
    }
    result.exit_code = p.Wait(options.timeout);
    if (result.exit_code < 0) p.Kill();
  }
  result.out = ReadFile(out_path);
  if (!options.merge_stderr) result.err = ReadFile(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  ::rmdir(dir);
  return result;
}

inline CommandOutput RunCommand(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout = 30000ms,
                                std::vector<std::string> env = {}) {
  return RunCommand(argv, RunOptions{timeout, std::move(env)});
}

}  // namespace test
