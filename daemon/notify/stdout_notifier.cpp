#include "notify/stdout_notifier.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/text.h"
#include "core/time_format.h"
#include "notify/journal_notifier.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

class StdoutNotifier final : public Notifier {
 public:
  StdoutNotifier(std::string name, bool json) : name_(std::move(name)), json_(json) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    std::string out;
    for (const Alert& a : batch) out += json_ ? AlertToJsonLine(a) + "\n" : AlertToText(a);
    // Several stdout notifiers (and the daemon's own output) share one stream.
    static std::mutex mu;
    std::lock_guard lock(mu);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
      return DeliveryResult::Retry(fmt::format("writing to stdout: {}", std::strerror(errno)));
    }
    return DeliveryResult::Ok();
  }

 private:
  std::string name_;
  bool json_;
};

}  // namespace

std::string AlertToText(const Alert& a) {
  std::string out = FormatRfc3339(a.last_seen) + " " + AlertMessageLine(a);
  if (a.count > 1) out += fmt::format(" x{}", a.count);
  out += "\n";
  std::string_view remedy = a.remedy;
  while (!remedy.empty()) {
    const auto nl = remedy.find('\n');
    const std::string_view line = remedy.substr(0, nl);
    if (!TrimSpace(line).empty()) out += "    " + EscapeForOutput(line) + "\n";
    if (nl == std::string_view::npos) break;
    remedy.remove_prefix(nl + 1);
  }
  return out;
}

std::unique_ptr<Notifier> MakeStdoutNotifier(const NotifierConfig& config) {
  const YamlMap map = NotifierOptions(config, {"format"});
  const std::string format = map.String("format", "json");
  if (format != "json" && format != "text") map.Fail("format", "expected json or text");
  return std::make_unique<StdoutNotifier>(config.name, format == "json");
}

}  // namespace sshd_health
