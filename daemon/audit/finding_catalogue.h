#pragma once
// The catalogue of finding ids: every id an auditor can report, the check that reports
// it and a one-line meaning (the README's finding table is generated from the same facts).
#include <span>
#include <string_view>

namespace sshd_health {

struct FindingInfo {
  std::string_view id;       // "host_key.mode"
  std::string_view check;    // "host_keys"
  std::string_view meaning;  // one line
};

std::span<const FindingInfo> AllFindings();
/// nullptr for an id not in the catalogue. An entry ending in '*' matches every id with
/// its prefix ("vulnerability.CVE-*").
const FindingInfo* FindFinding(std::string_view id);

}  // namespace sshd_health
