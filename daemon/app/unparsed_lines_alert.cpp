#include "app/unparsed_lines_alert.h"

#include <fmt/format.h>

#include "core/text.h"

namespace sshd_health {

namespace {

constexpr const char* kRemedy =
    "sshd logged lines that sshd-health does not understand, so events in them are not\n"
    "counted by any rule. This usually follows an OpenSSH upgrade (a new or reworded message),\n"
    "a distribution patch, or a PAM module writing under sshd's name.\n"
    "See them grouped by shape, most frequent first:\n"
    "  sshd-health scan --unknown            # the daemon's sources; or: journalctl -u ssh -o "
    "short | sshd-health scan --unknown -\n"
    "Check which OpenSSH runs: ssh -V; dpkg -l openssh-server   # RHEL: rpm -q openssh-server\n"
    "Then report the shapes (addresses and numbers are masked; check the samples for user names\n"
    "before you paste them) to sshd-health's issue tracker, with the OpenSSH version.";

}  // namespace

Alert UnparsedLinesAlert::Make(TimePoint now, const UnknownLines& unknown,
                               AlertStatus status) const {
  Alert a;
  a.rule = kRule;
  a.id = AlertId(a.rule, "");
  a.severity = Severity::kWarning;
  a.status = status;
  a.host = LocalHostName();
  const std::uint64_t count = unknown.total() - at_fire_;
  const auto shapes = unknown.Shapes();
  a.summary =
      status == AlertStatus::kResolved
          ? std::string("no sshd line sshd-health does not understand arrived lately")
          : EscapeForOutput(fmt::format("{} sshd lines not understood; most frequent: {}", count,
                                        shapes.empty() ? std::string("?") : shapes.front().shape),
                            512);
  a.remedy = kRemedy;
  a.count = count;
  a.first_seen = first_;
  a.last_seen = status == AlertStatus::kFiring ? now : last_new_;
  for (const UnknownLines::Shape& s : shapes) {
    if (a.evidence.size() >= kMaxEvidence) break;
    a.evidence.push_back(
        EscapeForOutput(fmt::format("{} x {} (e.g. {})", s.count, s.shape,
                                    s.samples.empty() ? std::string() : s.samples.front()),
                        512));
  }
  return a;
}

void UnparsedLinesAlert::Tick(TimePoint now, const UnknownLines& unknown, AlertSink& sink) {
  const bool grew = unknown.total() > seen_total_;
  if (grew) {
    if (!firing_) {
      firing_ = true;
      at_fire_ = seen_total_;
      first_ = now;
      last_sent_ = TimePoint{};
    }
    last_new_ = now;
  }
  seen_total_ = unknown.total();
  if (!firing_) return;
  if (!grew && now - last_new_ >= quiet_for_) {
    sink.Emit(Make(now, unknown, AlertStatus::kResolved));
    firing_ = false;
    return;
  }
  if (grew && (last_sent_ == TimePoint{} || now - last_sent_ >= repeat_every_)) {
    sink.Emit(Make(now, unknown, AlertStatus::kFiring));
    last_sent_ = now;
  }
}

}  // namespace sshd_health
