#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/unique_fd.h"

extern char** environ;

namespace sshd_health {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Without a pidfd (a kernel before 5.3, or a seccomp filter that refuses it) nothing wakes
// poll when the child exits, so it looks this often.
constexpr int kExitCheckMs = 10;

int RemainingMs(SteadyClock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

std::string StartError(const std::string& program, int err) {
  return "cannot run " + program + ": " + std::strerror(err);
}

// Reads what is there now (the fd is non-blocking) into `dest` up to `limit`, dropping the
// rest; closes the fd at end of file. Stops at the deadline, so a child left behind that
// keeps writing cannot hold us.
void Drain(UniqueFd& fd, std::string& dest, std::size_t limit, SteadyClock::time_point deadline) {
  char buf[8192];
  while (fd.is_open()) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      fd.Close();
      return;
    }
    if (dest.size() < limit)
      dest.append(buf, std::min(static_cast<std::size_t>(n), limit - dest.size()));
    if (SteadyClock::now() >= deadline) return;
  }
}

// Sends the next part of `input`; closes the socket when all is sent (the child sees end of
// file) or when the child stopped reading (EPIPE: MSG_NOSIGNAL keeps SIGPIPE away).
void Feed(UniqueFd& fd, const std::string& input, std::size_t& sent) {
  while (fd.is_open() && sent < input.size()) {
    const ssize_t n =
        ::send(fd.get(), input.data() + sent, input.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) break;
    sent += static_cast<std::size_t>(n);
  }
  fd.Close();
}

void WaitBlocking(pid_t pid, int& status) {
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Result<SubprocessResult> RunSubprocess(const SubprocessRequest& request) {
  if (request.argv.empty()) return Fail("empty command");
  const std::string& program = request.argv.front();

  int out_pipe[2], err_pipe[2], in_pair[2] = {-1, -1};
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Fail(StartError(program, errno));
  UniqueFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return Fail(StartError(program, errno));
  UniqueFd err_read(err_pipe[0]), err_write(err_pipe[1]);
  // stdin is a socket rather than a pipe so that writing to a child that has stopped
  // reading gives EPIPE (MSG_NOSIGNAL), not a SIGPIPE for the whole daemon.
  if (request.input && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    return Fail(StartError(program, errno));
  }
  UniqueFd in_write(in_pair[0]), in_read(in_pair[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (request.input) {
    posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  // A descriptor some library opened without O_CLOEXEC (a journal, a socket) must not
  // leak into a program we run.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  std::vector<char*> args;
  for (const auto& a : request.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  // Our copies of the child's ends go, so end of file on a pipe means the child (and any
  // child of its own) closed it.
  out_write.Close();
  err_write.Close();
  in_read.Close();
  if (spawned != 0) return Fail(StartError(program, spawned));

  SetNonBlocking(out_read.get());
  SetNonBlocking(err_read.get());
  if (in_write.is_open()) SetNonBlocking(in_write.get());
  // syscall(2): glibc 2.36's <sys/pidfd.h> declares pidfd_open without extern "C".
  UniqueFd exit_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  SubprocessResult result;
  const auto deadline = SteadyClock::now() + request.timeout;
  static const std::string kNoInput;
  const std::string& input = request.input ? *request.input : kNoInput;
  std::size_t sent = 0;
  if (in_write.is_open() && input.empty()) in_write.Close();
  int status = 0;
  while (true) {
    const pid_t reaped = ::waitpid(pid, &status, WNOHANG);
    if (reaped == pid) break;
    const int left = RemainingMs(deadline);
    if (left == 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);  // in case it left the group (setsid): never wait on it forever
      WaitBlocking(pid, status);
      break;
    }
    pollfd fds[4] = {{out_read.get(), POLLIN, 0},
                     {err_read.get(), POLLIN, 0},
                     {in_write.get(), POLLOUT, 0},
                     {exit_fd.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, exit_fd.is_open() ? left : std::min(left, kExitCheckMs));
    if (n <= 0) continue;  // timeout, EINTR: the loop head looks again
    if (fds[0].revents) Drain(out_read, result.out, request.max_output, deadline);
    if (fds[1].revents) Drain(err_read, result.err, request.max_output, deadline);
    if (fds[2].revents) Feed(in_write, input, sent);
  }
  if (!result.timed_out) {
    // What the child wrote before it exited is still in the pipes.
    Drain(out_read, result.out, request.max_output, deadline);
    Drain(err_read, result.err, request.max_output, deadline);
  }
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

}  // namespace sshd_health
