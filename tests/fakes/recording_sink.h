#pragma once
// An AlertSink that keeps what it was given, for rules tests.
#include <vector>

#include "core/alert.h"

class RecordingSink : public sshd_health::AlertSink {
 public:
  void Emit(const sshd_health::Alert& alert) override { alerts.push_back(alert); }
  std::vector<sshd_health::Alert> alerts;
};
