#pragma once
// HostCounts: what a central log host counts per origin host for /metrics (the `host`
// label, metrics.host_label): records read, recognised lines per event kind and lines not
// understood,
// and the one bounded set of host label values the alert counts use too.
//
// The origin host is the syslog HOSTNAME field or the journal's _HOSTNAME: text anyone
// who can send a line to the central box chooses. So a label value is made safe and
// bounded here, once per new host: cut at kMaxHostLabel bytes on a character boundary,
// with bytes that are not valid UTF-8 and control characters written as "\xNN"
// (EscapeForOutput; the exposition format's own escaping of \ and " is done when
// rendering). Past kMaxHosts distinct hosts, every further one counts as host="other",
// and the log says so once: a flood of forged host names costs Prometheus at most
// kMaxHosts hosts' series.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parse/sshd_event.h"

namespace sshd_health {

class HostCounts {
 public:
  /// 1,000 hosts: twice the 500-host fleet measured (docs/performance.md "Issue 17"). A
  /// host shows in at most a few dozen series (the kinds and rules it saw), so this bounds
  /// one central daemon to some tens of thousands of series, which one Prometheus takes
  /// in its stride; a fleet larger than that wants more than one central box.
  static constexpr std::size_t kMaxHosts = 1000;
  /// RFC 5424's bound on HOSTNAME: a real host name is never cut (a longer one is, and ends
  /// in "...").
  static constexpr std::size_t kMaxHostLabel = 255;
  static constexpr const char* kOther = "other";

  /// `local`: this machine's name, the host of a line that names none.
  explicit HostCounts(std::string local);

  /// The label value `host` (empty: this machine) counts under; stable for the
  /// process's life. Thread-safe (the audit thread's alerts count per host too).
  std::string Label(std::string_view host);

  /// One record read from `host` (empty: this machine).
  void CountLine(std::string_view host);
  /// One recognised line of `host` (empty: this machine).
  void CountEvent(std::string_view host, EventKind kind);
  /// One line of sshd's programs from `host` the parser did not understand.
  void CountUnparsed(std::string_view host);

  struct Row {
    std::string host;  // the label value
    bool local = false;
    std::uint64_t lines = 0;
    std::array<std::uint64_t, 256> events_by_kind{};
    std::uint64_t unparsed = 0;
  };
  /// Every host seen (this machine's always, first), in the order first seen.
  std::vector<Row> Snapshot() const;

 private:
  struct Entry {
    std::string label;
    std::uint64_t lines = 0;
    std::array<std::uint64_t, 256> events_by_kind{};
    std::uint64_t unparsed = 0;
  };
  // REQUIRES: mutex_ held.
  Entry& Find(std::string_view host);

  mutable std::mutex mutex_;
  std::string local_;
  // By the host as logged (at most 2 * kMaxHosts names) and by label value (at most
  // kMaxHosts + 1).
  std::unordered_map<std::string, Entry*> by_host_;
  std::unordered_map<std::string, Entry*> by_label_;
  std::vector<std::unique_ptr<Entry>> entries_;  // [0] this machine, then first seen
  Entry* other_ = nullptr;
  bool warned_ = false;
  // The last host looked up and its entry: a file's lines come from one host in runs.
  std::string last_host_;
  Entry* last_ = nullptr;
};

}  // namespace sshd_health
