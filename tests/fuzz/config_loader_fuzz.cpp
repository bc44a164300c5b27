// config.yaml text through LoadConfig and the notifier checks `config validate` runs
// (ValidateNotifiers). Property: a bad file is a ConfigError naming the file - never
// another exception, a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/yaml_util.h"
#include "fuzz_check.h"
#include "notify/alert_output.h"
#include "yaml_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path =
      fuzz::WriteScratch("config.yaml", {reinterpret_cast<const char*>(data), size});
  try {
    const sshd_health::Config config = sshd_health::LoadConfig(path);
    sshd_health::ValidateNotifiers(config);
  } catch (const sshd_health::ConfigError& e) {
    const std::string_view what = e.what();
    fuzz::Check(what.rfind(path, 0) == 0, "a config error names the file", fuzz::Show(what));
  } catch (const std::exception& e) {
    fuzz::Fail("only ConfigError escapes the config loader", e.what());
  }
  return 0;
}
