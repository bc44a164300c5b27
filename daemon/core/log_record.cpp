#include "core/log_record.h"

namespace sshd_health {

bool IsSshdProgram(std::string_view program) {
  return program == "sshd" || program == "sshd-session" || program == "sshd-auth";
}

}  // namespace sshd_health
