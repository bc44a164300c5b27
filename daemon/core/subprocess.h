#pragma once
// Running a program with a deadline: the one home of spawn + pipes + poll + kill. No
// shell ever: argv goes to exec as it is, so no byte of it is interpreted.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace sshd_health {

struct SubprocessRequest {
  /// argv[0] is searched in PATH when it has no '/'.
  std::vector<std::string> argv;
  /// Bytes for the program's stdin, then end of file; nullopt: stdin is /dev/null.
  std::optional<std::string> input;
  std::chrono::milliseconds timeout{10000};
  /// Kept of stdout and of stderr each; the rest is read and dropped, so a chatty
  /// program never blocks on a full pipe.
  std::size_t max_output = 1 << 20;
};

struct SubprocessResult {
  bool timed_out = false;  // the deadline passed; its process group was killed
  int exit_status = -1;    // from exit(3), or -1 when a signal ended it
  int term_signal = 0;     // the signal that ended it (SIGKILL after a timeout), or 0
  std::string out;         // stdout, at most max_output bytes
  std::string err;         // stderr, at most max_output bytes

  bool Exited() const { return exit_status >= 0; }
};

/// Runs the program in a process group of its own and waits until it exits or the
/// deadline passes; then it kills the whole group, so a shell's children die with it.
/// The result is complete once the program itself has exited: output that a child it
/// left behind writes later is not waited for. The program inherits the environment and
/// no file descriptor but 0, 1 and 2.
/// An error only when the program could not be started ("cannot run ARGV0: errno text").
/// Thread-safe: blocks only the calling thread; reaps only its own child.
Result<SubprocessResult> RunSubprocess(const SubprocessRequest& request);

}  // namespace sshd_health
