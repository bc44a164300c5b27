// A rule file's YAML text through LoadRuleFile; rules that load are run on a few events.
// Property: a bad file is a ConfigError naming the file - never another exception, a
// crash, or a rule the engine cannot run.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "alert_check.h"
#include "core/yaml_util.h"
#include "rules/rule_engine.h"
#include "rules/rule_loader.h"
#include "yaml_input.h"

namespace {

class CheckingSink final : public sshd_health::AlertSink {
 public:
  void Emit(const sshd_health::Alert& a) override { fuzz::CheckEngineAlert(a); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      fuzz::WriteScratch("rules.yaml", {reinterpret_cast<const char*>(data), size});
  std::vector<sshd_health::Rule> rules;
  try {
    rules = sshd_health::LoadRuleFile(path);
  } catch (const sshd_health::ConfigError& e) {
    const std::string_view what = e.what();
    fuzz::Check(what.rfind(path, 0) == 0, "a rule error names the file", fuzz::Show(what));
    return 0;
  } catch (const std::exception& e) {
    fuzz::Fail("only ConfigError escapes the rule loader", e.what());
  }
  const sshd_health::TimePoint t0(std::chrono::seconds(1'795'000'000));
  sshd_health::ManualClock clock(t0);
  sshd_health::RuleEngine engine(std::move(rules), clock, 16);
  CheckingSink sink;
  static const std::string kLine =
      "Failed password for r\xc3\xb6ot\x1b[31m from 192.0.2.7 port 22 ssh2";
  for (int i = 0; i < 12; ++i) {
    sshd_health::SshdEvent e;
    e.kind = static_cast<sshd_health::EventKind>(i % sshd_health::AllEventKinds().size());
    e.ts = t0 + std::chrono::seconds(i);
    e.has_ts = true;
    e.ip = i % 3 == 0 ? "192.0.2.7" : "2001:db8::1";
    e.port = 22;
    e.user = "r\xc3\xb6ot\x1b[31m\xff";
    e.detail = "{ip}{user}{count}\r\n";
    e.pid = 42;
    e.program = "sshd";
    e.message = kLine;
    e.line = kLine;
    engine.Observe(e, sink);
  }
  engine.Expire(t0 + std::chrono::hours(24 * 400), sink);
  return 0;
}
