#pragma once
// SshdParser: LogRecord -> SshdEvent. Knows OpenSSH's message formats from 7.4 to 10.x
// and anchors on their fixed parts (" from <ip> port <n>", "[preauth]", "past
// MaxStartups"), never on attacker-controlled text such as user names.
//
// It is pure but for one bounded piece of state: a per-PID session table (address and
// user from "Connection from" / "Invalid user" lines), used to attribute lines that carry
// no address ("Disconnecting: Too many authentication failures for git [preauth]").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/log_record.h"
#include "parse/sshd_event.h"

namespace sshd_health {

/// What the parser made of one record.
enum class LineClass : std::uint8_t {
  kEvent,    // an sshd line we know that is an event (in `out`)
  kIgnored,  // an sshd line whose format the catalogue knows and ignores, with a reason
             // (tests/data/openssh/catalogue.tsv), or a repeat of nothing we saw
  kUnknown,  // a line of sshd's programs we do not understand: count it, show it
  kOther,    // not a line of sshd's programs (or of journald about them)
};

/// Not thread-safe: one parser per source/thread.
class SshdParser {
 public:
  SshdParser();
  ~SshdParser();
  SshdParser(const SshdParser&) = delete;
  SshdParser& operator=(const SshdParser&) = delete;

  /// Fills `out` and returns true when `record` is an sshd line we know; false is never
  /// an error (and leaves `out` meaningless). `out` borrows from `record` (see SshdEvent).
  /// Reusing one `out` for every line keeps the hot path free of allocation.
  bool Parse(const LogRecord& record, SshdEvent& out) {
    return Classify(record, out) == LineClass::kEvent;
  }

  /// The same, telling an ignored line from one it does not understand. rsyslog's "last
  /// message repeated N times" repeats the event of the previous call, so
  /// REQUIRES: the caller passes the same `out` for every record of one stream.
  LineClass Classify(const LogRecord& record, SshdEvent& out) {
    const Source source = SourceOf(record);
    if (source == Source::kOther) {
      OtherLine();
      return LineClass::kOther;
    }
    return ClassifyOwn(record, out, source);
  }

  /// Whose line a record is: sshd's programs', journald's (which may be about sshd's unit)
  /// or another program's. Inline, with OtherLine, for the caller's hot path: most lines
  /// of a syslog file are other programs' (cron, systemd, sudo) and need no call.
  enum class Source : std::uint8_t { kSshd, kJournald, kOther };
  static Source SourceOf(const LogRecord& record) {
    if (IsSshdProgram(record.program)) return Source::kSshd;
    return record.program == "systemd-journald" ? Source::kJournald : Source::kOther;
  }
  /// Classify's answer for another program's line (kOther): it ends what a following
  /// "last message repeated" line could repeat.
  void OtherLine() { last_event_ = nullptr; }
  /// Classify for a record of `source` (SourceOf(record), not kOther).
  LineClass ClassifyOwn(const LogRecord& record, SshdEvent& out, Source source);

  /// One of the server's own addresses (the app may seed them from the host's
  /// interfaces): 9.8's swapped "connection from LOCAL to CLIENT" child ids are told
  /// from 9.9's by them. The parser also learns them from "Server listening on" lines.
  void AddLocalAddress(std::string_view addr);

  /// The same, into a fresh event: nullopt means "not an sshd line we know".
  std::optional<SshdEvent> Parse(const LogRecord& record);

 private:
  // After an event: what a following "last message repeated" line repeats.
  void NoteEvent(const LogRecord& record, const SshdEvent& out);

  struct Sessions;
  std::unique_ptr<Sessions> sessions_;     // the bounded per-PID table
  const SshdEvent* last_event_ = nullptr;  // the `out` of the previous call, if it was an event
  // The host of that event: a "last message repeated" line repeats its own host's line (on a
  // central log host the previous line may be another machine's).
  std::string last_event_host_;
};

}  // namespace sshd_health
