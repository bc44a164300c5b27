#include "audit/probe_ledger.h"

namespace sshd_health {

std::uint64_t ProbeLedger::Begin(ProbeConnection connection) {
  std::lock_guard lock(mutex_);
  connection.serial = next_serial_++;
  connections_.push_back(std::move(connection));
  if (connections_.size() > kKeep) connections_.pop_front();
  version_.fetch_add(1, std::memory_order_release);
  return connections_.back().serial;
}

ProbeConnection* ProbeLedger::Find(std::uint64_t serial) {
  for (auto& c : connections_) {
    if (c.serial == serial) return &c;
  }
  return nullptr;
}

void ProbeLedger::Connected(std::uint64_t serial, const std::string& local_address) {
  std::lock_guard lock(mutex_);
  if (ProbeConnection* c = Find(serial)) c->local_address = local_address;
  version_.fetch_add(1, std::memory_order_release);
}

void ProbeLedger::ReachedSshd(std::uint64_t serial, std::chrono::microseconds latency) {
  std::lock_guard lock(mutex_);
  if (ProbeConnection* c = Find(serial)) {
    c->reached_sshd = true;
    c->banner_latency = latency;
  }
  version_.fetch_add(1, std::memory_order_release);
}

std::vector<ProbeConnection> ProbeLedger::Recent() const { return After(0); }

std::vector<ProbeConnection> ProbeLedger::After(std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  std::vector<ProbeConnection> out;
  for (const auto& c : connections_) {
    if (c.serial > after) out.push_back(c);
  }
  return out;
}

}  // namespace sshd_health
