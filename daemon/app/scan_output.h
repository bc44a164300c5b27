#pragma once
// How `sshd-health scan` prints its records: events (`--events`) and alerts, as JSON lines
// (the DESIGN.md shapes) or as readable text. Every attacker-controlled field goes
// through EscapeForOutput, so no input can forge a line of output.
// The functions append to a caller's buffer: scan prints millions of records and writes
// them out in large blocks.
#include <string>
#include <string_view>

#include "core/alert.h"
#include "parse/sshd_event.h"
#include "parse/unknown_lines.h"

namespace sshd_health {

/// `{"ts","kind","ip","port","user","pid","line"}` (DESIGN.md "Event record") plus
/// "detail" when the event has one; absent fields are omitted; then "\n".
void AppendEventJson(const SshdEvent& event, std::string& out);

/// `2026-11-21T16:31:02Z auth_failure ip=192.0.2.7 port=4242 user="root" pid=123 | LINE`
/// then "\n". Fields the event lacks are left out; ts is "-" when the line had none.
void AppendEventText(const SshdEvent& event, std::string& out);

/// AlertToJsonLine plus "\n".
void AppendAlertJson(const Alert& alert, std::string& out);

/// `WARNING sshd.auth.bruteforce [firing] ip="192.0.2.7" count=12 first=... last=...:
/// SUMMARY` on one line, then each line of the remedy indented by four spaces (commands
/// to copy read best as lines). Every record line starts in column 0, continuation lines
/// never do, so `grep -v '^ '` leaves one line per alert.
void AppendAlertText(const Alert& alert, std::string& out);

/// `scan --unknown`: the not-understood lines by shape, most frequent first. Text: one
/// "COUNT  SHAPE" line per shape, its samples indented below; JSON: one
/// `{"count","shape","samples"}` object per line. Shapes and samples are escaped.
void AppendUnknownLines(const UnknownLines& unknown, bool json, std::string& out);

/// Appends `text` escaped for output (EscapeForOutput) and then for a JSON string body
/// (quotes and backslashes), without the surrounding quotes.
void AppendJsonStringBody(std::string_view text, std::string& out);

}  // namespace sshd_health
