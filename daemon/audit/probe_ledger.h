#pragma once
// ProbeLedger: the liveness probe's own connections, as the probe made them. Written on
// the audit thread (audit/banner_probe) before each step sshd could log, read on the
// event loop, so the daemon can tell its own probe's log lines from everyone else's
// (app/own_probe_lines.h) and notice when none arrive (app/logs_not_seen_alert.h).
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"

namespace sshd_health {

/// The identification the probe sends after reading sshd's banner. OpenSSH's compat table
/// (compat.c, V_7_4_P1 .. V_10_5_P1: { "Probe-*", SSH_BUG_PROBE }, matched case-sensitively)
/// makes sshd log at INFO "probed from A port P with SSH-2.0-Probe-....  Don't panic." and
/// close: one line per probe, at every LogLevel but QUIET, that says who it was.
inline constexpr const char* kProbeIdentification =
    "SSH-2.0-Probe-sshd-health_" SSHD_HEALTH_VERSION;

struct ProbeConnection {
  std::uint64_t serial = 0;    // 1, 2, ...: assigned by the ledger
  std::string target_address;  // numeric, as probed
  int target_port = 0;
  std::string local_address;  // numeric; a wildcard ("0.0.0.0", "::") until connected
  int local_port = 0;         // bound before connect, so known before sshd accepts
  TimePoint started{};        // wall clock at bind
  bool reached_sshd = false;  // banner read and our identification sent
  std::chrono::microseconds banner_latency{0};  // connect to banner, once reached_sshd
};

/// Thread-safe. Keeps the newest kKeep connections.
class ProbeLedger {
 public:
  static constexpr std::size_t kKeep = 16;

  /// A new connection, bound but not yet connected; returns its serial.
  std::uint64_t Begin(ProbeConnection connection);
  /// The connect completed: the local address the kernel chose.
  void Connected(std::uint64_t serial, const std::string& local_address);
  /// sshd's banner was read, `latency` after the connect began; our identification
  /// follows.
  void ReachedSshd(std::uint64_t serial, std::chrono::microseconds latency = {});

  /// Changes with every Begin/Connected/ReachedSshd: a reader on the hot path (every log
  /// line) copies the connections only when this moved. Lock-free.
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  /// The kept connections, oldest first.
  std::vector<ProbeConnection> Recent() const;
  /// The kept connections with serial > `after`, oldest first.
  std::vector<ProbeConnection> After(std::uint64_t after) const;

 private:
  ProbeConnection* Find(std::uint64_t serial);

  mutable std::mutex mutex_;
  std::deque<ProbeConnection> connections_;
  std::uint64_t next_serial_ = 1;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace sshd_health
