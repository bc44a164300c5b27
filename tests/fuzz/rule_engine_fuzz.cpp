// The shipped rules (rules/) fed the events of fuzzed lines through the Pipeline, the path
// every source takes, then expired far in the future so resolved alerts come out too.
// Properties: each alert is clean text and round-trips through JSON (alert_check.h); an
// alert's ip label is an address written in one of the lines, or the network of one.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "alert_check.h"
#include "app/pipeline.h"
#include "rules/rule_loader.h"
#include "sources/syslog_line.h"

namespace {

class CheckingSink final : public sshd_health::AlertSink {
 public:
  explicit CheckingSink(const std::vector<std::string_view>& lines) : lines_(lines) {}
  void Emit(const sshd_health::Alert& a) override {
    fuzz::CheckEngineAlert(a);
    if (const auto it = a.labels.find("ip"); it != a.labels.end() && !it->second.empty()) {
      // A rule grouping by a prefix (ip/24/64) labels its alert with the network.
      const bool network = it->second.find('/') != std::string::npos;
      bool seen = false;
      for (const auto l : lines_)
        seen = seen || (network ? fuzz::NetworkWitnessed(l, it->second)
                                : !fuzz::AddressWitnesses(l, it->second).empty());
      fuzz::Check(seen, "alert ip label is an address (or its network) from the input",
                  fuzz::Show(it->second));
    }
  }

 private:
  const std::vector<std::string_view>& lines_;
};

const std::vector<sshd_health::Rule>& ShippedRules() {
  static const std::vector<sshd_health::Rule> rules =
      sshd_health::LoadRules({SSHD_HEALTH_SOURCE_TREE "/rules"});
  return rules;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const sshd_health::TimePoint start(std::chrono::seconds(1'795'000'000));
  const sshd_health::SyslogContext ctx{start};
  sshd_health::ManualClock clock(start);
  sshd_health::Pipeline pipeline(ShippedRules(), clock, 64);  // few groups: eviction runs too
  std::vector<std::string_view> lines;
  CheckingSink sink(lines);
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    pipeline.Process(sshd_health::RecordFromLine(lines.back(), ctx), sink);
  }
  pipeline.Expire(start + std::chrono::hours(24 * 400), sink);
  return 0;
}
