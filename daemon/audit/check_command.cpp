#include <cstdio>

#include "core/commands.h"

namespace sshd_health {

// STUB: not implemented yet.
int RunCheck(const CheckOptions& options) {
  (void)options;
  std::fprintf(stderr, "sshd-health: not implemented yet\n");
  return 3;
}

}  // namespace sshd_health
