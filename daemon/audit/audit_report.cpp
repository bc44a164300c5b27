#include "audit/audit_report.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace sshd_health {

AuditReport RunAudit(const HostView& host, const AuditSettings& settings,
                     const std::vector<std::string>& only) {
  AuditContext context{settings, GatherSshdFacts(host, settings)};
  AuditReport report;
  for (const auto& name : AllCheckNames()) {
    if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
    auto check = MakeCheck(name, context);
    CheckReport cr;
    cr.check = name;
    auto result = check->Run(host);
    if (!result) {
      cr.status = CheckStatus::kUnknown;
      cr.detail = result.error().message;
    } else {
      cr.findings = std::move(*result);
      cr.detail = check->Detail();
      for (const auto& f : cr.findings)
        cr.status = std::max(cr.status, StatusForSeverity(f.severity));
    }
    report.status = std::max(report.status, cr.status);
    report.checks.push_back(std::move(cr));
  }
  return report;
}

nlohmann::json AuditReportToJson(const AuditReport& report) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : report.checks) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : c.findings) {
      findings.push_back({{"id", f.id},
                          {"severity", SeverityName(f.severity)},
                          {"subject", EscapeForOutput(f.subject)},
                          {"summary", EscapeForOutput(f.summary)},
                          {"remedy", EscapeForOutput(f.remedy)}});
    }
    checks.push_back({{"check", c.check},
                      {"status", CheckStatusName(c.status)},
                      {"detail", EscapeForOutput(c.detail)},
                      {"findings", std::move(findings)}});
  }
  return {{"status", CheckStatusName(report.status)}, {"checks", std::move(checks)}};
}

std::string AuditReportToText(const AuditReport& report) {
  int critical = 0, warning = 0, info = 0, unknown = 0;
  for (const auto& c : report.checks) {
    if (c.status == CheckStatus::kUnknown) ++unknown;
    for (const auto& f : c.findings) {
      (f.severity == Severity::kCritical  ? critical
       : f.severity == Severity::kWarning ? warning
                                          : info)++;
    }
  }
  std::string status(CheckStatusName(report.status));
  std::transform(status.begin(), status.end(), status.begin(), ::toupper);
  std::string parts;
  auto part = [&](int n, const char* what) {
    if (n) parts += (parts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  part(critical, "critical");
  part(warning, "warning");
  part(info, "info");
  part(unknown, "unknown");
  if (parts.empty()) parts = "no findings";
  std::string out = "SSHD-HEALTH " + status + " - " + parts +
                    " | critical=" + std::to_string(critical) +
                    " warning=" + std::to_string(warning) + " info=" + std::to_string(info) +
                    " unknown=" + std::to_string(unknown) + "\n";
  for (const auto& c : report.checks) {
    out += "\n" + c.check + ": " + std::string(CheckStatusName(c.status));
    if (!c.detail.empty()) out += " (" + EscapeForOutput(c.detail) + ")";
    out += "\n";
    for (const auto& f : c.findings) {
      out += "  [" + std::string(SeverityName(f.severity)) + "] " + f.id + " " +
             EscapeForOutput(f.subject) + "\n      " + EscapeForOutput(f.summary) +
             "\n      fix: " + EscapeForOutput(f.remedy) + "\n";
    }
  }
  return out;
}

}  // namespace sshd_health
