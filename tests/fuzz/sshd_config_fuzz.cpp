// The sshd_config reader the auditors fall back on when `sshd -T` fails, on a fake host:
// the input's NUL-separated parts are /etc/ssh/sshd_config and the files of
// /etc/ssh/sshd_config.d/ (so Include globs, nesting and cycles are reachable), and the
// whole input is also read as `sshd -T` output. Property: it ends (no unbounded
// recursion), and every keyword read back is lower-case, as `sshd -T` prints them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/sshd_config_view.h"
#include "fake_host.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  test::FakeHost host;
  std::vector<std::string> names;
  std::string_view rest = input;
  for (int part = 0; part < 8; ++part) {
    const auto nul = rest.find('\0');
    const std::string_view text = rest.substr(0, nul);
    if (part == 0) {
      host.AddFile("/etc/ssh/sshd_config", std::string(text));
    } else {
      names.push_back(std::to_string(part) + ".conf");
      host.AddFile("/etc/ssh/sshd_config.d/" + names.back(), std::string(text));
    }
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }
  host.AddDir("/etc/ssh/sshd_config.d", names);
  const auto parsed = sshd_health::ParseSshdConfigFile(host, "/etc/ssh/sshd_config");
  if (parsed) {
    // Defaults are filled: the auditors can rely on these.
    fuzz::Check(parsed->Has("port") && parsed->Has("permitrootlogin"), "defaults are filled");
    fuzz::Check(!parsed->from_sshd, "a parsed view does not claim to be sshd -T");
  }
  const sshd_health::SshdConfigView t = sshd_health::ParseSshdTOutput(input);
  for (const std::string_view kw : {"Port", "PermitRootLogin", "PasswordAuthentication"}) {
    fuzz::Check(!t.Has(std::string(kw)), "keywords are stored lower-case", kw);
  }
  return 0;
}
