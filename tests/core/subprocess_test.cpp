// RunSubprocess with real programs: output and status, stdin, bounds, deadlines that kill
// the whole process group, and what the child inherits.
#include "core/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "subprocess.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

SubprocessResult Run(std::vector<std::string> argv, std::optional<std::string> input = std::nullopt,
                     std::chrono::milliseconds timeout = 20s) {
  SubprocessRequest request;
  request.argv = std::move(argv);
  request.input = std::move(input);
  request.timeout = timeout;
  auto r = RunSubprocess(request);
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  return *r;
}

// A process that is gone or a zombie (waiting for a parent that may never reap it: in a
// container, pid 1 often does not).
bool Dead(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  const std::string stat = test::ReadFile("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return paren == std::string::npos || stat.substr(paren + 2, 1) == "Z";
}

}  // namespace

TEST_CASE("a program runs without a shell and returns stdout, stderr and its exit status",
          "[core]") {
  const auto r = Run({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK(r.exit_status == 3);
  CHECK(r.term_signal == 0);
  CHECK_FALSE(r.timed_out);
  // No shell between us and exec: metacharacters reach the program as they are.
  CHECK(Run({"/bin/echo", "$HOME;", "`id`", "|", "*"}).out == "$HOME; `id` | *\n");
}

TEST_CASE("a program reads the given bytes on stdin, or /dev/null without them", "[core]") {
  CHECK(Run({"/bin/cat"}, std::string("line one\nline two")).out == "line one\nline two");
  CHECK(Run({"/bin/cat"}, std::string()).out.empty());
  const auto r = Run({"/bin/cat"});
  CHECK(r.out.empty());
  CHECK(r.exit_status == 0);
}

TEST_CASE("stdin and stdout larger than a pipe flow at once without a deadlock", "[core]") {
  std::string big(512 << 10, 'x');  // eight times a pipe's 64 KiB, under max_output
  for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = '\n';
  const auto r = Run({"/bin/cat"}, big);
  CHECK(r.exit_status == 0);
  CHECK(r.out.size() == big.size());
  CHECK(r.out == big);
}

TEST_CASE("output beyond the bound is read and dropped, so the program still finishes", "[core]") {
  SubprocessRequest request;
  request.argv = {"/bin/sh", "-c",
                  "head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2; exit 0"};
  request.max_output = 1000;
  const auto r = RunSubprocess(request);
  REQUIRE(r);
  CHECK(r->exit_status == 0);
  CHECK(r->out.size() == 1000);
  CHECK(r->err.size() == 1000);
}

TEST_CASE("a program that stops reading its stdin does not kill the caller with SIGPIPE",
          "[core]") {
  const auto r = Run({"/bin/true"}, std::string(4 << 20, 'x'));
  CHECK(r.exit_status == 0);
}

TEST_CASE("a program killed by a signal reports the signal", "[core]") {
  const auto r = Run({"/bin/sh", "-c", "kill -TERM $$"});
  CHECK(r.term_signal == SIGTERM);
  CHECK(r.exit_status == -1);
  CHECK_FALSE(r.Exited());
  CHECK_FALSE(r.timed_out);
}

TEST_CASE("a program past its deadline is killed with its whole process group", "[core]") {
  const auto start = std::chrono::steady_clock::now();
  // The shell prints its background child's pid, then waits: both must die.
  const auto r = Run({"/bin/sh", "-c", "sleep 30 & echo $!; wait"}, std::nullopt, 300ms);
  CHECK(std::chrono::steady_clock::now() - start < 20s);
  CHECK(r.timed_out);
  CHECK(r.term_signal == SIGKILL);
  CHECK(r.exit_status == -1);
  const pid_t grandchild = std::stoi(r.out);
  CHECK(test::WaitFor([&] { return Dead(grandchild); }, 10s));
}

TEST_CASE("the result is complete when the program exits, even if its child holds the pipes",
          "[core]") {
  const auto r = Run({"/bin/sh", "-c", "sleep 30 & echo $!; exit 4"}, std::nullopt, 20s);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_status == 4);
  const pid_t left_behind = std::stoi(r.out);
  ::kill(left_behind, SIGKILL);
}

TEST_CASE("a program that cannot be started is an error that names it", "[core]") {
  SubprocessRequest request;
  request.argv = {"/nonexistent/program", "arg"};
  const auto r = RunSubprocess(request);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "cannot run /nonexistent/program: No such file or directory");
  CHECK_FALSE(RunSubprocess(SubprocessRequest{}));
}

TEST_CASE("a program finds argv[0] in PATH and inherits no descriptor beyond 0, 1, 2", "[core]") {
  const int leaked = ::open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  REQUIRE(leaked > 2);
  const auto r =
      Run({"sh", "-c", "[ -e /dev/fd/" + std::to_string(leaked) + " ] && echo leaked; exit 0"});
  ::close(leaked);
  CHECK(r.exit_status == 0);
  CHECK(r.out.empty());
}
