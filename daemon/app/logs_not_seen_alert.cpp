#include "app/logs_not_seen_alert.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text.h"
#include "core/time_format.h"
#include "rules/rule_template.h"  // FormatDuration

namespace sshd_health {
namespace {

constexpr const char* kRemedy =
    "sshd-health does not see sshd's log, so no rule can fire: brute force, MaxStartups drops\n"
    "and crashes go unnoticed. The probe's line looks like \"probed from 127.0.0.1 port N with\n"
    "SSH-2.0-Probe-sshd-health_...  Don't panic.\". Find where it went:\n"
    "  journalctl -u ssh -n 20          # RHEL: -u sshd. Does sshd log at all?\n"
    "  systemctl status rsyslog         # reading a file: is rsyslog running and writing it?\n"
    "  sshd -T | grep -i loglevel       # QUIET logs nothing: use INFO or VERBOSE\n"
    "Then compare with `sources:` in sshd-health's config: the file path (rotated, renamed,\n"
    "readable by sshd-health?) or the journal (is sshd-health in group systemd-journal or adm?).";

}  // namespace

void LogsNotSeenAlert::ObserveProbes(const std::vector<ProbeConnection>& connections) {
  for (const ProbeConnection& c : connections) {
    // Serials only grow and the probe runs one connection at a time: a connection not
    // (yet) past the banner is the newest, and is looked at again on the next call.
    if (!c.reached_sshd || c.serial <= last_serial_) continue;
    last_serial_ = c.serial;
    // Its line may have come before this call did (the ticks are periodic).
    if (c.serial <= seen_serial_) continue;
    pending_.push_back({c.serial, c.started,
                        fmt::format("from {} port {} to {} port {} at {} ({})", c.local_address,
                                    c.local_port, c.target_address, c.target_port,
                                    FormatRfc3339(c.started), kProbeIdentification)});
    if (pending_.size() > kMaxPending) pending_.pop_front();
  }
}

void LogsNotSeenAlert::LineSeen(std::uint64_t serial, TimePoint now, AlertSink& sink) {
  seen_serial_ = std::max(seen_serial_, serial);
  while (!pending_.empty() && pending_.front().serial <= serial) pending_.pop_front();
  // A late line of a probe older than the one that fired says little about now: only a
  // line of that probe or a newer one ends the episode (no firing-resolved flapping).
  if (!firing_ || serial < fired_serial_) return;
  firing_ = false;
  Alert a;
  a.rule = kRule;
  a.id = AlertId(a.rule, "");
  a.severity = Severity::kCritical;
  a.status = AlertStatus::kResolved;
  a.host = LocalHostName();
  a.summary = "sshd's log reaches sshd-health again: the probe's line arrived";
  a.remedy = kRemedy;
  a.count = 1;
  a.first_seen = first_;
  a.last_seen = now;
  sink.Emit(a);
}

void LogsNotSeenAlert::Tick(TimePoint now, const std::vector<SourceReading>& sources,
                            AlertSink& sink) {
  if (firing_ || pending_.empty() || now - pending_.front().at < grace_) return;
  const Pending p = pending_.front();
  while (!pending_.empty() && pending_.front().serial <= p.serial) pending_.pop_front();
  firing_ = true;
  fired_serial_ = p.serial;
  first_ = p.at;

  std::string read;
  for (const SourceReading& s : sources) {
    read += fmt::format("{}{} ({} lines)", read.empty() ? "" : ", ", s.name, s.lines);
  }
  if (read.empty()) read = "no log source is open";
  Alert a;
  a.rule = kRule;
  a.id = AlertId(a.rule, "");
  a.severity = Severity::kCritical;
  a.status = AlertStatus::kFiring;
  a.host = LocalHostName();
  a.summary = EscapeForOutput(
      fmt::format("sshd's log does not reach sshd-health: the probe reached sshd at {} but none "
                  "of its log lines arrived within {}; read: {}",
                  FormatRfc3339(p.at), FormatDuration(grace_), read),
      512);
  a.remedy = kRemedy;
  a.labels = {{"sources", EscapeForOutput(read, 256)}};
  a.count = 1;
  a.first_seen = a.last_seen = p.at;
  a.evidence.push_back(EscapeForOutput("probe " + p.description, 512));
  for (const SourceReading& s : sources) {
    if (a.evidence.size() >= kMaxEvidence) break;
    a.evidence.push_back(EscapeForOutput(fmt::format("read {}: {} lines", s.name, s.lines), 512));
  }
  sink.Emit(a);
}

}  // namespace sshd_health
