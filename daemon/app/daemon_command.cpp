#include "app/app.h"
#include "app/commands.h"

namespace sshd_health {

int RunDaemon(const DaemonOptions& options) {
  App app(options);
  return app.Run();
}

}  // namespace sshd_health
