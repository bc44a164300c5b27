#pragma once
// The properties of one parsed event, shared by the parser targets.
#include <string>
#include <string_view>
#include <vector>

#include "core/log_record.h"
#include "fuzz_check.h"
#include "parse/sshd_event.h"

namespace fuzz {

/// `record` came from `line`; `event` was parsed from `record`. `earlier`: the session's
/// earlier lines (the address may come from them).
inline void CheckRecordAndEvent(std::string_view line, const sshd_health::LogRecord& record,
                                const sshd_health::SshdEvent* event,
                                const std::vector<std::string_view>& earlier = {}) {
  const auto inside = [&](std::string_view v) {
    return v.empty() ||
           (v.data() >= line.data() && v.data() + v.size() <= line.data() + line.size());
  };
  // (program may also be the constant "sshd" of a bare message: RecordFromLine)
  Check(inside(record.host) && inside(record.message) &&
            (inside(record.program) || record.program == "sshd"),
        "record fields are views into the line", Show(line));
  Check(record.pid >= 0, "record pid is not negative", Show(line));
  if (event == nullptr) return;
  const auto& e = *event;
  Check(e.port >= 0 && e.port <= 65535, "event port is 0..65535", Show(line));
  Check(inside(e.message) && inside(e.line) && (inside(e.program) || e.program == "sshd"),
        "event views point into the line", Show(line));
  Check(!sshd_health::EventKindName(e.kind).empty(), "event kind has a name", Show(line));
  // The user name is text from the line or, attributed through the PID, from an earlier
  // line of the session (or "root" for ROOT LOGIN REFUSED).
  bool user_seen =
      e.user.empty() || e.user == "root" || line.find(e.user) != std::string_view::npos;
  for (const auto l : earlier) user_seen = user_seen || l.find(e.user) != std::string_view::npos;
  Check(user_seen, "event user occurs in the input",
        "user=" + Show(e.user) + " line=" + Show(line));
  CheckEventAddress(line, e.ip, e.user, earlier);
}

}  // namespace fuzz
