#pragma once
// Properties of an alert as the rules engine emits it (core/alert.h: summary, labels and
// evidence are escaped), and of its JSON form.
#include <nlohmann/json.hpp>
#include <string>

#include "core/alert.h"
#include "fuzz_check.h"

namespace fuzz {

/// Every text field clean; the JSON line parses back (nlohmann) into the same alert.
inline void CheckEngineAlert(const sshd_health::Alert& a) {
  CheckCleanText(a.summary, "alert summary is clean text");
  CheckCleanText(a.remedy, "alert remedy is clean text", "\n");  // a multi-line template
  for (const auto& [k, v] : a.labels) {
    CheckCleanText(k, "alert label name is clean text");
    CheckCleanText(v, "alert label value is clean text");
  }
  Check(a.evidence.size() <= sshd_health::kMaxEvidence, "evidence is bounded");
  for (const auto& e : a.evidence) CheckCleanText(e, "alert evidence is clean text");
  const std::string line = sshd_health::AlertToJsonLine(a);
  Check(line.find('\n') == std::string::npos, "alert JSON is one line", Show(line));
  const auto j = nlohmann::json::parse(line, nullptr, false);
  Check(!j.is_discarded(), "alert JSON parses", Show(line));
  const auto back = sshd_health::AlertFromJson(j);
  Check(back.has_value(), "alert JSON reads back", back ? "" : back.error().message);
  Check(back->summary == a.summary && back->labels == a.labels && back->evidence == a.evidence &&
            back->rule == a.rule && back->id == a.id && back->count == a.count,
        "alert JSON round-trips", Show(line));
}

}  // namespace fuzz
