#pragma once
// stdout: JSON lines (the DESIGN.md alert shape) for pipelines, or readable text for a
// terminal (`daemon --text` adds one with format: text).
#include <memory>
#include <string>

#include "core/alert.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// "2026-11-21T16:31:02Z CRITICAL sshd.maxstartups.drop: summary (ip=...) x12\n"
/// followed by the remedy, each line indented; every line escaped. Ends in '\n'.
std::string AlertToText(const Alert& alert);

std::unique_ptr<Notifier> MakeStdoutNotifier(const NotifierConfig& config);

}  // namespace sshd_health
