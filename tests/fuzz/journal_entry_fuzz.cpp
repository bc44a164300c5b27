// A journal entry's fields (the input's NUL-separated "NAME=value" parts, as
// sd_journal_enumerate_data yields them; sshd controls MESSAGE, and a client of the
// journal socket SYSLOG_IDENTIFIER and SYSLOG_PID) shaped into a LogRecord
// (JournalEntryShaper, what JournalSource and scan --journal use), then parsed.
// Properties: the record's views lie in the line, the message part is MESSAGE (cut at
// kMaxRecordLine), and the parser's event properties (event_check.h).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "event_check.h"
#include "parse/sshd_parser.h"
#include "sources/journal_source.h"
#include "sources/log_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  // The first 8 bytes, when there are that many, are the entry's realtime timestamp.
  std::uint64_t realtime = 0;
  if (rest.size() >= 8) {
    std::memcpy(&realtime, rest.data(), 8);
    rest.remove_prefix(8);
  }
  std::string line;
  std::string_view message;
  bool have_message = false;
  sshd_health::JournalEntryShaper shaper(line);
  while (!rest.empty()) {
    const auto nul = rest.find('\0');
    const std::string_view field = rest.substr(0, nul);
    if (!have_message && field.rfind("MESSAGE=", 0) == 0) {
      message = field.substr(8);
      have_message = true;
    }
    shaper.Field(field);
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }
  const bool truncated = shaper.truncated();
  const sshd_health::LogRecord record = shaper.Finish(realtime);
  fuzz::Check(record.line.data() == line.data() && record.line.size() == line.size(),
              "the record's line is the synthesized line");
  fuzz::Check(truncated == (message.size() > sshd_health::kMaxRecordLine),
              "truncated says whether MESSAGE was cut");
  fuzz::Check(record.message == message.substr(0, sshd_health::kMaxRecordLine),
              "the record's message is MESSAGE", fuzz::Show(record.message));
  sshd_health::SshdParser parser;
  const auto event = parser.Parse(record);
  fuzz::CheckRecordAndEvent(line, record, event ? &*event : nullptr);
  return 0;
}
