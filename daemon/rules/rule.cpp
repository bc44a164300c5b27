#include "rules/rule.h"

#include <re2/re2.h>

namespace sshd_health {

bool operator==(const RulePattern& a, const RulePattern& b) {
  if (a.re_ == nullptr || b.re_ == nullptr) return a.re_ == b.re_;
  return a.re_->pattern() == b.re_->pattern();
}

}  // namespace sshd_health
