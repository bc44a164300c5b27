#include "parse/sshd_parser.h"

namespace sshd_health {

// STUB: implemented by the parser work (issue 2).
struct SshdParser::Sessions {};

SshdParser::SshdParser() : sessions_(std::make_unique<Sessions>()) {}
SshdParser::~SshdParser() = default;

std::optional<SshdEvent> SshdParser::Parse(const LogRecord& record) {
  (void)record;
  return std::nullopt;
}

}  // namespace sshd_health
