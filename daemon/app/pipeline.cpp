#include "app/pipeline.h"

namespace sshd_health {

Pipeline::Pipeline(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups)
    : engine_(std::move(rules), clock, max_groups) {}

void Pipeline::Process(const LogRecord& record, AlertSink& alerts, const EventObserver* observer) {
  ++records_;
  if (!parser_.Parse(record, event_)) return;
  ++events_;
  if (observer) (*observer)(event_);
  engine_.Observe(event_, alerts);
}

void Pipeline::Expire(TimePoint now, AlertSink& alerts) { engine_.Expire(now, alerts); }

PipelineStats Pipeline::stats() const { return {records_, events_, engine_.stats()}; }

}  // namespace sshd_health
