#include "core/severity.h"

namespace sshd_health {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  if (name == "info") return Severity::kInfo;
  if (name == "warning") return Severity::kWarning;
  if (name == "critical") return Severity::kCritical;
  return std::nullopt;
}

std::string_view CheckStatusName(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kUnknown:
      return "unknown";
    case CheckStatus::kWarning:
      return "warning";
    case CheckStatus::kCritical:
      return "critical";
  }
  return "unknown";
}

int NagiosExitCode(CheckStatus s) {
  switch (s) {
    case CheckStatus::kOk:
      return 0;
    case CheckStatus::kWarning:
      return 1;
    case CheckStatus::kCritical:
      return 2;
    case CheckStatus::kUnknown:
      return 3;
  }
  return 3;
}

CheckStatus StatusForSeverity(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return CheckStatus::kOk;
    case Severity::kWarning:
      return CheckStatus::kWarning;
    case Severity::kCritical:
      return CheckStatus::kCritical;
  }
  return CheckStatus::kUnknown;
}

}  // namespace sshd_health
