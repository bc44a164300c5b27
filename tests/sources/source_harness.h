#pragma once
// Drives a LogSource on a real io_context and collects the lines it hands on, for the
// source tests. Waiting is always on a condition with a deadline (RunUntil).
#include <string>
#include <vector>

#include "core/log_record.h"
#include "run_until.h"
#include "sources/log_source.h"

namespace test {

struct Collected {
  std::vector<std::string> lines;
  std::vector<std::string> programs;
  std::vector<std::string> messages;
  std::vector<int> pids;
  std::vector<sshd_health::TimePoint> times;
  int batches = 0;

  sshd_health::LogSource::Handler Handler() {
    return [this](const sshd_health::LogRecord& r) {
      lines.emplace_back(r.line);
      programs.emplace_back(r.program);
      messages.emplace_back(r.message);
      pids.push_back(r.pid);
      times.push_back(r.ts);
    };
  }
  sshd_health::LogSource::BatchDone Done() {
    return [this] { ++batches; };
  }
};

inline std::vector<std::string> Numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

}  // namespace test
