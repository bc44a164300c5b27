#pragma once
// The "config" check: config.invalid, config.maxstartups, config.weak_algorithm,
// config.risky_setting, from the effective configuration in the AuditContext.
#include "audit/check.h"

namespace sshd_health {

class ConfigCheck final : public Check {
 public:
  explicit ConfigCheck(const AuditContext& context) : context_(context) {}
  std::string_view Name() const override { return "config"; }
  Result<std::vector<Finding>> Run(const HostView& host) override;

 private:
  const AuditContext& context_;
};

/// How bad an algorithm is on its own, regardless of defaults: nullopt when it is fine.
std::optional<Severity> WeakAlgorithmSeverity(std::string_view algorithm);

}  // namespace sshd_health
