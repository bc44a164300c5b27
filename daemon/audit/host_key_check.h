#pragma once
// The "host_keys" check: for every HostKey of the effective configuration,
// host_key.missing, host_key.mode, host_key.owner, host_key.mismatch and host_key.changed
// (fingerprints recorded in STATE_DIR/host_keys.json).
#include "audit/check.h"

namespace sshd_health {

class HostKeyCheck final : public Check {
 public:
  explicit HostKeyCheck(const AuditContext& context) : context_(context) {}
  std::string_view Name() const override { return "host_keys"; }
  Result<std::vector<Finding>> Run(const HostView& host) override;

 private:
  const AuditContext& context_;
};

/// How long host_key.changed stays reported after the change was first seen; then the new
/// fingerprint becomes the recorded one.
inline constexpr std::chrono::hours kHostKeyChangeReportTime{24};

}  // namespace sshd_health
