#pragma once
// An AlertSink that keeps what it was given, for rules, pipeline and audit tests.
// Not thread-safe: Emit and the readers run on the test's (io_context's) thread.
#include <string>
#include <vector>

#include "core/alert.h"

class RecordingSink : public sshd_health::AlertSink {
 public:
  void Emit(const sshd_health::Alert& alert) override { alerts.push_back(alert); }

  /// How many alerts of `rule` with `status` arrived; with a `subject`, only those whose
  /// "subject" label is that (an audit finding's subject).
  int Count(const std::string& rule, sshd_health::AlertStatus status,
            const std::string& subject = "") const {
    int n = 0;
    for (const auto& a : alerts) {
      if (a.rule != rule || a.status != status) continue;
      if (!subject.empty()) {
        const auto it = a.labels.find("subject");
        if (it == a.labels.end() || it->second != subject) continue;
      }
      ++n;
    }
    return n;
  }

  std::vector<sshd_health::Alert> alerts;
};
