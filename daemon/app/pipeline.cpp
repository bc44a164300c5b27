#include "app/pipeline.h"

namespace sshd_health {

Pipeline::Pipeline(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups)
    : engine_(std::move(rules), clock, max_groups) {}

void Pipeline::ProcessOwn(const LogRecord& record, SshdParser::Source source, AlertSink& alerts,
                          const EventObserver* observer) {
  const LineClass c = parser_.ClassifyOwn(record, event_, source);
  if (c != LineClass::kEvent) {
    if (c == LineClass::kUnknown) {
      unknown_.Add(record.message);
      if (unknown_observer_) unknown_observer_(record);
    }
    return;
  }
  ++events_;
  if (own_filter_ && own_filter_(event_)) {
    ++own_;
    return;
  }
  if (observer) (*observer)(event_);
  // A line that stands for N (rsyslog's "message repeated N times: [ ... ]") counts N
  // times: the rules see the event N times, so every threshold, window and group treats
  // it as the N lines it replaced.
  const int times = event_.repeat < 1 ? 1 : event_.repeat > kMaxRepeat ? kMaxRepeat : event_.repeat;
  for (int i = 0; i < times; ++i) engine_.Observe(event_, alerts);
}

void Pipeline::Expire(TimePoint now, AlertSink& alerts) { engine_.Expire(now, alerts); }

PipelineStats Pipeline::stats() const {
  return {records_, events_, unknown_.total(), own_, engine_.stats()};
}

}  // namespace sshd_health
