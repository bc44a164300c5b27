#pragma once
// The effective sshd configuration the auditors reason about: from `sshd -T -f PATH`
// when that runs, else from our own reading of sshd_config (Include globs, Match blocks,
// first-value-wins), with OpenSSH's defaults filled in. `source` says which one it is.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "audit/host_view.h"

namespace sshd_health {

class SshdConfigView {
 public:
  /// Keywords are lower-case (as `sshd -T` prints them). Values are the rest of the line.
  void Add(std::string keyword, std::string value);
  /// Sets a value only when the keyword has none yet (sshd's first-value-wins).
  void AddIfAbsent(const std::string& keyword, std::string value);
  bool Has(const std::string& keyword) const;
  /// First value, or `def`.
  std::string Get(const std::string& keyword, const std::string& def = "") const;
  /// Every value in order (HostKey, ListenAddress, Port may repeat).
  std::vector<std::string> GetAll(const std::string& keyword) const;

  std::string source;  // "sshd -T -f /etc/ssh/sshd_config" or "parsed ... (why)"
  bool from_sshd = false;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

/// Parses `sshd -T` output ("keyword value..." lines).
SshdConfigView ParseSshdTOutput(std::string_view text);

/// Reads sshd_config like sshd does for its global section: Include (globs, relative to
/// /etc/ssh), Match blocks skipped (they do not apply to the global settings `sshd -T`
/// prints without -C), the first value of a keyword wins, multi-valued keywords
/// accumulate. Then fills OpenSSH's defaults for keywords the auditors use.
/// An error when the main file cannot be read.
Result<SshdConfigView> ParseSshdConfigFile(const HostView& host, const std::string& path);

/// OpenSSH's built-in defaults (9.x, Debian's PidFile) for the keywords the auditors use,
/// for keywords still unset.
void FillSshdDefaults(SshdConfigView& config);

/// OpenSSH 9.x's default algorithm lists (myproposal.h), keyed by lower-case keyword:
/// kexalgorithms, ciphers, macs, hostkeyalgorithms, pubkeyacceptedalgorithms.
const std::map<std::string, std::vector<std::string>>& DefaultAlgorithmLists();

/// Splits on commas and whitespace.
std::vector<std::string> SplitList(std::string_view text);

}  // namespace sshd_health
