#pragma once
// Writes real journal files for tests: systemd-journal-remote (Debian package
// systemd-journal-remote) reads journal export format on its stdin and appends each entry
// to DIR/NAME.journal while its stdin stays open.
#include <chrono>
#include <cstdint>
#include <string>

#include "subprocess.h"

namespace test {

inline constexpr const char* kJournalRemote = "/lib/systemd/systemd-journal-remote";

class JournalWriter {
 public:
  /// `first_monotonic`: where this file's __MONOTONIC_TIMESTAMPs continue from. Files of
  /// one boot are ordered by them, so a file that follows another (a rotation) must carry
  /// on from the last one's.
  JournalWriter(const std::string& dir, const std::string& name = "x",
                std::uint64_t first_monotonic = 0)
      : monotonic_(first_monotonic) {
    Subprocess::Options o;
    o.stdin_pipe = true;
    o.stderr_path = dir + "/" + name + ".journal-remote.log";
    process_ = Subprocess({kJournalRemote, "-o", dir + "/" + name + ".journal", "-"}, o);
  }
  ~JournalWriter() { Close(); }

  /// The machine the entries come from: _HOSTNAME and _BOOT_ID (one per machine), as
  /// journal-remote's remote-HOST.journal files on a central log host hold them.
  void SetMachine(std::string host, std::string boot_id) {
    host_ = std::move(host);
    boot_id_ = std::move(boot_id);
  }

  /// Appends one entry. `usec`: its __REALTIME_TIMESTAMP (0: now).
  void Write(const std::string& identifier, int pid, const std::string& message,
             std::uint64_t usec = 0, const std::string& unit = "") {
    if (usec == 0) usec = NowUsec();
    std::string e = "__REALTIME_TIMESTAMP=" + std::to_string(usec) + "\n" +
                    "__MONOTONIC_TIMESTAMP=" + std::to_string(++monotonic_) + "\n" +
                    "_BOOT_ID=" + boot_id_ + "\n" + "_HOSTNAME=" + host_ + "\n";
    if (!identifier.empty()) e += "SYSLOG_IDENTIFIER=" + identifier + "\n";
    if (pid > 0) e += "_PID=" + std::to_string(pid) + "\n";
    if (!unit.empty()) e += "_SYSTEMD_UNIT=" + unit + "\n";
    e += "MESSAGE=" + message + "\n\n";
    process_.WriteStdin(e);
  }

  /// Ends the input; journal-remote finishes the file and exits.
  void Close() {
    process_.CloseStdin();
    process_.Wait(std::chrono::seconds(10));
  }

  std::uint64_t monotonic() const { return monotonic_; }

  static std::uint64_t NowUsec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }

 private:
  Subprocess process_;
  std::uint64_t monotonic_ = 0;
  std::string host_ = "testhost";
  std::string boot_id_ = "0123456789abcdef0123456789abcdef";
};

}  // namespace test
