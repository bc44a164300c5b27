#pragma once
// `why`'s output: the ranked diagnosis as text for a terminal, or as the JSON object
// docs/why.md documents. Every string from a log line or a probe was escaped when the
// diagnosis was made; the JSON writer replaces what is still not UTF-8.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "app/why/why_diagnosis.h"

namespace sshd_health::why {

std::string DiagnosisToText(const Diagnosis& d);

/// docs/why.md: {"schema": 1, "query", "verdict", "causes", "ruled_out", "client_side",
/// "logged", "effective", "checks", "read"}.
nlohmann::json DiagnosisToJson(const Diagnosis& d);

}  // namespace sshd_health::why
