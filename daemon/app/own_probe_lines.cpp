#include "app/own_probe_lines.h"

#include <algorithm>

namespace sshd_health {
namespace {

bool IsWildcard(const std::string& address) {
  return address.empty() || address == "0.0.0.0" || address == "::";
}

bool IsLoopback(const std::string& ip) { return ip.rfind("127.", 0) == 0 || ip == "::1"; }

}  // namespace

void OwnProbeLines::Refresh() {
  const std::uint64_t version = ledger_.version();
  if (version == seen_version_) return;
  // Version first: a change after it is read shows as a new version next time.
  seen_version_ = version;
  connections_ = ledger_.Recent();
}

bool OwnProbeLines::AddressMatches(const ProbeConnection& c, const std::string& ip) const {
  if (!IsWildcard(c.local_address)) return ip == c.local_address;
  // Bound but the connect not yet seen to complete: a connection to our own sshd comes
  // from loopback or from the probed (local) address.
  return IsLoopback(ip) || ip == c.target_address;
}

void OwnProbeLines::Learn(int pid, std::uint64_t serial, TimePoint until) {
  if (pid == 0) return;
  for (Pid& p : pids_) {
    if (p.pid == pid) {
      p = {pid, serial, until};
      return;
    }
  }
  if (pids_.size() >= kMaxPids) pids_.erase(pids_.begin());
  pids_.push_back({pid, serial, until});
}

std::optional<std::uint64_t> OwnProbeLines::Claim(const SshdEvent& e, TimePoint now) {
  Refresh();
  // Never probed, or not within the window: the common case, a comparison per line.
  if (connections_.empty() || now - connections_.back().started > window_) {
    pids_.clear();  // every PID learnt expires with its connection's window
    return std::nullopt;
  }
  if (e.kind == EventKind::kMaxStartupsDrop || e.kind == EventKind::kPenaltyDrop)
    return std::nullopt;
  std::erase_if(pids_, [&](const Pid& p) { return p.until < now; });
  const bool has_endpoint = !e.ip.empty() && e.port != 0;
  if (e.pid != 0) {
    for (const Pid& p : pids_) {
      if (p.pid != e.pid) continue;
      const auto c = std::find_if(connections_.begin(), connections_.end(),
                                  [&](const ProbeConnection& k) { return k.serial == p.serial; });
      // A line of that PID naming another endpoint is not ours (the PID was reused).
      if (has_endpoint &&
          (c == connections_.end() || e.port != c->local_port || !AddressMatches(*c, e.ip))) {
        break;
      }
      return p.serial;
    }
  }
  if (!has_endpoint) return std::nullopt;
  for (auto c = connections_.rbegin(); c != connections_.rend(); ++c) {
    // A second of slack before the bind: the line's arrival and the bind read the same
    // wall clock on different threads.
    if (c->local_port != e.port || now + std::chrono::seconds(1) < c->started ||
        now - c->started > window_) {
      continue;
    }
    if (!AddressMatches(*c, e.ip)) continue;
    if (e.kind == EventKind::kVersionProbe && e.detail != kProbeIdentification) return std::nullopt;
    if (e.kind == EventKind::kVersionProbe || e.kind == EventKind::kConnectionOpened)
      Learn(e.pid, c->serial, c->started + window_);
    return c->serial;
  }
  return std::nullopt;
}

}  // namespace sshd_health
