#include "notify/sendmail_delivery.h"

#include <fmt/format.h>

#include "core/subprocess.h"
#include "core/text.h"

namespace sshd_health {
namespace {

// sendmail's stderr kept for the reason; the reason shows at most 300 characters of it.
constexpr std::size_t kMaxStderr = 512;
constexpr int kExTempFail = 75;  // sysexits.h: "try again later"

}  // namespace

DeliveryResult SendWithSendmail(const std::string& path, const std::string& message,
                                Duration timeout) {
  SubprocessRequest request;
  request.argv = {path, "-t", "-oi"};
  request.input = message;
  request.timeout = timeout;
  request.max_output = kMaxStderr;
  const auto run = RunSubprocess(request);
  if (!run) return DeliveryResult::Retry(run.error().message);
  if (run->timed_out) return DeliveryResult::Retry(fmt::format("{} did not finish in time", path));
  if (run->exit_status == 0) return DeliveryResult::Ok();
  std::string why = run->Exited() ? fmt::format("{} exited with status {}", path, run->exit_status)
                                  : fmt::format("{} was killed", path);
  const std::string shown = EscapeForOutput(TrimSpace(run->err), 300);
  if (!shown.empty()) why += ": " + shown;
  if (run->Exited() && run->exit_status != kExTempFail) return DeliveryResult::Permanent(why);
  return DeliveryResult::Retry(why);
}

}  // namespace sshd_health
