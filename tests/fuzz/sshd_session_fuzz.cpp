// Several lines ('\n'-separated) through one SshdParser, as one log: the per-PID session
// table attributes lines that carry no address, so an address may come from an earlier
// line - but always from some line of the input, never from inside a user name.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "event_check.h"
#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const sshd_health::SyslogContext ctx{sshd_health::TimePoint(std::chrono::seconds(1'795'000'000))};
  sshd_health::SshdParser parser;
  sshd_health::SshdEvent event;  // reused, as the pipeline does
  std::vector<std::string_view> earlier;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    const sshd_health::LogRecord record = sshd_health::RecordFromLine(line, ctx);
    const bool ok = parser.Parse(record, event);
    fuzz::CheckRecordAndEvent(line, record, ok ? &event : nullptr, earlier);
    earlier.push_back(line);
  }
  return 0;
}
