// Every sample of the OpenSSH log catalogue (tests/data/openssh/samples.tsv: one message per
// format and meaning that openssh-portable V_7_4_P1..V_10_5_P1 logs, plus Linux-PAM, rsyslog
// and journald lines about sshd) parses to the kind the catalogue decided, with its address,
// port and user - in each form a line reaches us (classic syslog, rsyslog ISO, RFC 5424,
// the journal) and under each program name the release logs it with.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "catalogue_samples.h"
#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

using test::LoadSamples;
using test::Sample;

enum class Form { kClassic, kIso, kRfc5424, kJournal };

const char* FormName(Form f) {
  switch (f) {
    case Form::kClassic:
      return "classic syslog";
    case Form::kIso:
      return "ISO (rsyslog)";
    case Form::kRfc5424:
      return "RFC 5424";
    case Form::kJournal:
      return "journal";
  }
  return "?";
}

// What a source hands the parser for `message` logged by `program` in `form`; `buf` keeps
// the text alive.
std::optional<LogRecord> Wrap(Form form, const std::string& program, const std::string& message,
                              std::string& buf) {
  switch (form) {
    case Form::kClassic:
      buf = "Nov 21 16:31:02 srv " + program + "[4242]: " + message;
      break;
    case Form::kIso:
      buf = "2026-11-21T16:31:02.123456+00:00 srv " + program + "[4242]: " + message;
      break;
    case Form::kRfc5424:
      buf = "<38>1 2026-11-21T16:31:02.123456+00:00 srv " + program + " 4242 - - " + message;
      break;
    case Form::kJournal: {
      // journal_source.cpp CurrentJournalRecord: SYSLOG_IDENTIFIER, _PID, MESSAGE fields.
      buf = "srv " + program + "[4242]: " + message;
      LogRecord rec;
      rec.has_ts = true;
      rec.host = std::string_view(buf).substr(0, 3);
      rec.program = std::string_view(buf).substr(4, program.size());
      rec.pid = 4242;
      rec.message = std::string_view(buf).substr(buf.size() - message.size());
      rec.line = buf;
      return rec;
    }
  }
  return ParseSyslogLine(buf, SyslogContext{});
}

// Ignored formats the parser still reports, on purpose: every "fatal: " ends the process
// (sshd_fatal, the catalogue ignores a few whose listener line follows); every "<tag>:
// Connection from <id>: <error>" is a connection_error whatever the tag (the parser does
// not list packet.c's callers); "Connection timed out during banner exchange" was a
// kex_ident_failure before the catalogue (tests/parse/version_drift_test.cpp pins it).
bool StillAnEvent(const std::string& message, EventKind kind) {
  if (kind == EventKind::kSshdFatal) return message.rfind("fatal: ", 0) == 0;
  if (kind == EventKind::kConnectionError)
    return message.find(": Connection from ") != std::string::npos;
  if (kind == EventKind::kKexIdentFailure)
    return message == "error: Connection timed out during banner exchange";
  return false;
}

// A format that is nothing but conversions ("error: %s: %s") cannot be told from any other
// line; make_known_formats.py leaves such out, so their samples may come out unknown.
bool AllConversions(const std::string& message) {
  std::string rest = message;
  for (const std::string filler : {"error: ", "example", "fatal: "}) {
    for (auto i = rest.find(filler); i != std::string::npos; i = rest.find(filler))
      rest.erase(i, filler.size());
  }
  int letters = 0;
  for (char ch : rest) letters += (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
  return letters < 4;
}

// Why `s` failed in this form, or empty when it passed.
std::string Check(const Sample& s, Form form, const std::string& program) {
  std::string buf;
  const auto rec = Wrap(form, program, s.message, buf);
  if (!rec) return "the syslog line did not split";
  if (rec->program != program || rec->message != s.message)
    return "the syslog split changed the message";
  SshdParser parser;  // fresh: the sample's own fields, not a PID's history
  // 9.8 logged child ids as "connection from LOCAL to CLIENT"; only the server's own
  // addresses (learnt from "Server listening on" or seeded) tell it from 9.9+.
  if (s.releases == "V_9_8_P1-V_9_8_P1") parser.AddLocalAddress("198.51.100.1");
  SshdEvent ev;
  // connection_closed means "after a login", which a bare "<ip> port <n>" id shows only
  // through the PID's session (KINDS.md): its sample follows that PID's Accepted line.
  std::string login_buf;
  if (s.kind == "connection_closed") {
    const auto login = Wrap(
        form, program, "Accepted password for alice from 192.0.2.10 port 51514 ssh2", login_buf);
    if (!login || parser.Classify(*login, ev) != LineClass::kEvent)
      return "the Accepted line before it did not parse";
  }
  const LineClass c = parser.Classify(*rec, ev);
  if (s.kind == "ignored" || (s.kind == "repeated" && s.ip.empty())) {
    if (c == LineClass::kIgnored) return {};
    if (c == LineClass::kEvent && StillAnEvent(s.message, ev.kind)) return {};
    if (c == LineClass::kEvent) return "ignored format gave " + std::string(EventKindName(ev.kind));
    if (AllConversions(s.message)) return {};
    return "not recognised as a known sshd line";
  }
  if (c != LineClass::kEvent)
    return c == LineClass::kIgnored ? "no event (taken as ignored)" : "no event (unknown)";
  std::string why;
  if (s.kind == "repeated") {
    if (ev.repeat != 4) why += " repeat=" + std::to_string(ev.repeat);
  } else if (EventKindName(ev.kind) != s.kind) {
    why += " kind=" + std::string(EventKindName(ev.kind));
  }
  if (ev.ip != s.ip) why += " ip='" + ev.ip + "'";
  if ((ev.port == 0 ? std::string() : std::to_string(ev.port)) != s.port)
    why += " port=" + std::to_string(ev.port);
  // "ROOT LOGIN REFUSED FROM ..." names no user, but it can only be root's.
  const bool root_refused = s.message.rfind("ROOT LOGIN REFUSED", 0) == 0 && ev.user == "root";
  if (ev.user != s.user && !root_refused) why += " user='" + ev.user + "'";
  return why;
}

void CheckForm(Form form) {
  const auto samples = LoadSamples();
  REQUIRE(samples.size() > 2000);
  int tried = 0;
  int passed = 0;
  std::ostringstream failures;
  int shown = 0;
  for (const auto& s : samples) {
    bool listed = false;  // one report per sample, whichever program failed
    for (const auto& program : s.programs) {
      ++tried;
      const std::string why = Check(s, form, program);
      if (why.empty()) {
        ++passed;
      } else if (!listed && shown++ < 200) {
        listed = true;
        failures << "samples.tsv:" << s.line_no << " [" << program << "] want " << s.kind << " "
                 << s.ip << " " << s.port << " " << s.user << ":" << why << " | " << s.message
                 << "\n";
      }
    }
  }
  INFO(FormName(form) << ": " << passed << " of " << tried << " samples pass\n" << failures.str());
  CHECK(passed == tried);
}

TEST_CASE(
    "every catalogue sample parses to its kind with its address port and user in classic syslog",
    "[parse]") {
  CheckForm(Form::kClassic);
}

TEST_CASE(
    "every catalogue sample parses to its kind with its address port and user in rsyslog ISO form",
    "[parse]") {
  CheckForm(Form::kIso);
}

TEST_CASE(
    "every catalogue sample parses to its kind with its address port and user in RFC 5424 form",
    "[parse]") {
  CheckForm(Form::kRfc5424);
}

TEST_CASE(
    "every catalogue sample parses to its kind with its address port and user from the journal",
    "[parse]") {
  CheckForm(Form::kJournal);
}

TEST_CASE(
    "sshd-auth's lines parse the same under its own name (a relay or patched build may use it)",
    "[parse]") {
  // sshd-auth (10.0+) never logs as itself - sshd-session's monitor relays its lines with
  // " [preauth]" - but nothing should break if a build does.
  const auto samples = LoadSamples();
  int tried = 0;
  int passed = 0;
  for (const auto& s : samples) {
    if (s.message.find(" [preauth]") == std::string::npos) continue;
    ++tried;
    if (Check(s, Form::kClassic, "sshd-auth").empty()) ++passed;
  }
  CHECK(tried > 0);
  CHECK(passed == tried);
}

}  // namespace
}  // namespace sshd_health
