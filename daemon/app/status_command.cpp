// `sshd-health status`: what the running daemon sees now, read from the status file it
// keeps current (app/status_file.h). Exit 0 while it runs; 3 (Nagios UNKNOWN) when no
// daemon answers for the file: none, gone (the file left by SIGKILL), or stale.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/status_file.h"
#include "core/config.h"
#include "core/text.h"

namespace sshd_health {
namespace {

constexpr int kExitNotRunning = 3;  // Nagios UNKNOWN: nothing to tell about

}  // namespace

int RunStatus(const StatusOptions& options) {
  const Config config = LoadConfigOrDefault(options.config_path);
  const TimePoint now = SystemClock::now();
  const std::string path = StatusFilePath(config);
  const StatusReading reading = ReadStatusFile(path, now);
  if (options.format == OutputFormat::kJson) {
    nlohmann::json j = reading.running && reading.snapshot ? StatusToJson(*reading.snapshot)
                                                           : nlohmann::json::object();
    j["running"] = reading.running;
    j["status_file"] = EscapeForOutput(path);
    j["age_seconds"] =
        reading.snapshot
            ? nlohmann::json(std::chrono::duration_cast<std::chrono::seconds>(reading.age).count())
            : nlohmann::json(nullptr);
    if (!reading.running) j["reason"] = reading.reason;
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (reading.running) {
    std::cout << StatusToText(*reading.snapshot, now);
  } else {
    std::cout << "sshd-health daemon: not running: " << reading.reason << "\n";
  }
  std::cout.flush();
  return reading.running ? 0 : kExitNotRunning;
}

}  // namespace sshd_health
