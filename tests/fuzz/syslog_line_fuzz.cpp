// One attacker-written line, raw bytes: the syslog splitter (RecordFromLine, every
// header form) and a fresh SshdParser. Properties: event_check.h.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event_check.h"
#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  // A fixed reference time: year-less timestamps resolve the same way on every run.
  const sshd_health::SyslogContext ctx{sshd_health::TimePoint(std::chrono::seconds(1'795'000'000))};
  if (const auto rec = sshd_health::ParseSyslogLine(line, ctx))
    fuzz::CheckRecordAndEvent(line, *rec, nullptr);
  const sshd_health::LogRecord record = sshd_health::RecordFromLine(line, ctx);
  sshd_health::SshdParser parser;
  const auto event = parser.Parse(record);
  fuzz::CheckRecordAndEvent(line, record, event ? &*event : nullptr);
  return 0;
}
