#include "rules/rule_engine.h"

namespace sshd_health {

// STUB: implemented by the rules work (issue 2).
struct RuleEngine::State {
  std::vector<Rule> rules;
};

RuleEngine::RuleEngine(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups)
    : state_(std::make_unique<State>()) {
  (void)clock;
  (void)max_groups;
  state_->rules = std::move(rules);
}
RuleEngine::~RuleEngine() = default;

void RuleEngine::Observe(const SshdEvent& event, AlertSink& sink) {
  (void)event;
  (void)sink;
}

void RuleEngine::Expire(TimePoint now, AlertSink& sink) {
  (void)now;
  (void)sink;
}

const std::vector<Rule>& RuleEngine::rules() const { return state_->rules; }
RuleEngineStats RuleEngine::stats() const { return {}; }

}  // namespace sshd_health
