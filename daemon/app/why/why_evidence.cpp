#include "app/why/why_evidence.h"

#include <algorithm>

namespace sshd_health::why {

LoggedEvent OwnEvent(const SshdEvent& e) {
  return LoggedEvent{.kind = e.kind,
                     .ts = e.ts,
                     .has_ts = e.has_ts,
                     .ip = e.ip,
                     .port = e.port,
                     .user = e.user,
                     .pid = e.pid,
                     .detail = e.detail,
                     .message = std::string(e.message),
                     .line = std::string(e.line),
                     .repeat = e.repeat};
}

bool IsServerWideKind(EventKind kind) {
  switch (kind) {
    case EventKind::kMaxStartupsBegin:
    case EventKind::kMaxStartupsOngoing:
    case EventKind::kMaxStartupsEnd:
    case EventKind::kSshdStarted:
    case EventKind::kSshdStopped:
    case EventKind::kSshdRestart:
    case EventKind::kHostKeyLoadFailure:
    case EventKind::kHostKeyProblem:
    case EventKind::kBindFailed:
    case EventKind::kJournalSuppressed:
      return true;
    default:
      return false;
  }
}

bool EvidenceCollector::Concerns(const SshdEvent& event) const {
  if (!query_.ip.empty() && event.ip == query_.ip) return true;
  return !query_.user.empty() && event.user == query_.user;
}

void EvidenceCollector::Keep(LoggedEvent event) {
  if (evidence_.client.size() >= kMaxClientEvents) {
    // The newest matter most (the failure the user just saw); the oldest go.
    evidence_.client.erase(evidence_.client.begin());
    ++evidence_.dropped;
  }
  evidence_.client.push_back(std::move(event));
}

void EvidenceCollector::Observe(const LogRecord& record) {
  ++evidence_.records;
  if (record.has_ts) last_ts_ = record.ts;
  // One event reused for every record: no allocation per line, and rsyslog's "last
  // message repeated N times" repeats the previous line's event (SshdParser::Classify).
  const SshdEvent* event = parser_.Parse(record, event_) ? &event_ : nullptr;
  // A record without a time stands at the last time seen; the window is decided on that.
  const TimePoint ts = record.has_ts ? record.ts : last_ts_;
  if (ts < query_.since && (record.has_ts || last_ts_ != TimePoint{})) return;
  ++evidence_.in_window;
  if (!event) return;
  if (ts >= counts_since_ || ts == TimePoint{}) {
    if (event->kind == EventKind::kMaxStartupsDrop) evidence_.maxstartups_drops += event->repeat;
    if (event->kind == EventKind::kTimeoutBeforeAuth) evidence_.grace_timeouts += event->repeat;
  }
  // Copied only when kept: most lines of a busy log are other clients'.
  auto owned = [&] {
    LoggedEvent e = OwnEvent(*event);
    if (!e.has_ts && ts != TimePoint{}) {
      e.ts = ts;
      e.has_ts = true;
    }
    return e;
  };
  if (IsServerWideKind(event->kind)) {
    if (evidence_.server.size() >= kMaxServerEvents)
      evidence_.server.erase(evidence_.server.begin());
    evidence_.server.push_back(owned());
    return;
  }
  // Lines without a pid (a bare `sshd -E` log) are held under pid 0 until the next line
  // that names a client: sshd writes a connection's lines together, so the line after
  // "bad ownership or modes" names whose they were.
  if (Concerns(*event)) {
    if (auto held = pending_.find(event->pid); held != pending_.end()) {
      for (auto& e : held->second) Keep(std::move(e));
      pending_.erase(held);
    }
    if (event->pid != 0) pending_.erase(0);
    Keep(owned());
    return;
  }
  if (event->ip.empty() && event->user.empty()) {
    // Neither address nor user: perhaps this process names the client later.
    if (pending_.size() >= kMaxPendingPids && !pending_.count(event->pid)) pending_.clear();
    auto& held = pending_[event->pid];
    if (held.size() >= kMaxPendingPerPid) held.erase(held.begin());
    held.push_back(owned());
  } else {
    pending_.erase(event->pid);  // the process is another client's
    pending_.erase(0);
  }
}

ClientEvidence EvidenceCollector::Finish() {
  // Held-back lines were appended when their process named the client, after lines of
  // other processes that came later: put the client's events back in time order.
  std::stable_sort(evidence_.client.begin(), evidence_.client.end(),
                   [](const LoggedEvent& a, const LoggedEvent& b) { return a.ts < b.ts; });
  return std::move(evidence_);
}

}  // namespace sshd_health::why
