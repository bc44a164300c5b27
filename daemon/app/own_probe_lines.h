#pragma once
// OwnProbeLines: which sshd lines the daemon's own liveness probe caused, so that no rule
// ever counts them (a monitoring tool must not raise alerts about itself) and the daemon
// knows its probe was logged (sshd_health.logs_not_seen).
//
// Why the identification alone is not enough: anyone can send "SSH-2.0-Probe-sshd-
// health_..." and would then be invisible to every rule. A line is ours only when it
// names the exact local endpoint the probe connected from - its address (the one the
// kernel chose, or while that is not known yet: loopback or the probed address, the only
// sources a connection to our own sshd can have) AND its ephemeral port, bound before the
// connect - within `window` of the probe. A stranger would need to connect from this host,
// from the very port the probe held moments ago (in TIME_WAIT for most of the window); one
// who can do that is already local. A "probed from" line must also carry our
// identification. Once a line of the connection is claimed, the per-connection process's
// PID (learnt only from "Connection from" and "probed from", which that process logs) claims
// the connection's other lines for the same window. Lines the listener logs about the
// connection (MaxStartups / PerSourcePenalties drops) are never claimed: they report sshd
// refusing connections, which the probe only sampled. Lines replayed at start, before this
// process probed, are not claimed either (the ledger does not survive a restart).
#include <cstdint>
#include <optional>
#include <vector>

#include "audit/probe_ledger.h"
#include "core/clock.h"
#include "parse/sshd_event.h"

namespace sshd_health {

class OwnProbeLines {
 public:
  /// `ledger` must outlive this.
  explicit OwnProbeLines(const ProbeLedger& ledger, Duration window = std::chrono::seconds(60))
      : ledger_(ledger), window_(window) {}

  /// The serial of our probe connection `event` belongs to, or nullopt. `now` is the
  /// wall-clock time the line arrived. Cheap when the probe has not run lately.
  std::optional<std::uint64_t> Claim(const SshdEvent& event, TimePoint now);

 private:
  struct Pid {
    int pid;
    std::uint64_t serial;
    TimePoint until;
  };
  static constexpr std::size_t kMaxPids = 64;

  void Refresh();
  bool AddressMatches(const ProbeConnection& c, const std::string& ip) const;
  void Learn(int pid, std::uint64_t serial, TimePoint until);

  const ProbeLedger& ledger_;
  const Duration window_;
  std::uint64_t seen_version_ = 0;
  std::vector<ProbeConnection> connections_;  // a copy of the ledger's, oldest first
  std::vector<Pid> pids_;
};

}  // namespace sshd_health
