#pragma once
// The "liveness" check: a real SSH banner probe to sshd's address and port
// (liveness.refused, .timeout, .no_banner, .bad_banner) and the systemd unit's state over
// sd-bus (liveness.unit_failed, .restarting; unknown without a bus, never an error).
#include "audit/check.h"

namespace sshd_health {

class LivenessCheck final : public Check {
 public:
  explicit LivenessCheck(const AuditContext& context) : context_(context) {}
  std::string_view Name() const override { return "liveness"; }
  Result<std::vector<Finding>> Run(const HostView& host) override;

 private:
  const AuditContext& context_;
};

struct ProbeTarget {
  std::string address;  // numeric, no brackets
  int port = 22;
};

/// audit.probe when set, else the first ListenAddress of the effective config (IPv4
/// preferred; wildcard addresses become loopback).
ProbeTarget ResolveProbeTarget(const AuditSettings& settings, const SshdConfigView& config);

}  // namespace sshd_health
