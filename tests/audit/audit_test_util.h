#pragma once
// Helpers shared by the audit tests.
#include <algorithm>
#include <string>
#include <vector>

#include "audit/finding.h"
#include "audit/finding_catalogue.h"

namespace test {

inline std::vector<sshd_health::Finding> WithId(const std::vector<sshd_health::Finding>& findings,
                                                const std::string& id) {
  std::vector<sshd_health::Finding> out;
  std::copy_if(findings.begin(), findings.end(), std::back_inserter(out),
               [&](const auto& f) { return f.id == id; });
  return out;
}

inline const sshd_health::Finding* FindSubject(const std::vector<sshd_health::Finding>& findings,
                                               const std::string& id, const std::string& subject) {
  for (const auto& f : findings) {
    if (f.id == id && f.subject == subject) return &f;
  }
  return nullptr;
}

/// Every finding's id is in the catalogue.
inline bool AllCatalogued(const std::vector<sshd_health::Finding>& findings) {
  return std::all_of(findings.begin(), findings.end(),
                     [](const auto& f) { return sshd_health::FindFinding(f.id) != nullptr; });
}

}  // namespace test
