#pragma once
// A temporary sshd setup for the `check` integration tests: its own sshd_config, host
// keys made with ssh-keygen, a config.yaml pointing sshd-health at them, and a way to run
// the real `sshd-health check` binary and read its JSON report.
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "real_sshd.h"  // kSshdBinary, MakePrivsepDir
#include "subprocess.h"
#include "temp_dir.h"

namespace test {

struct CheckRun {
  int exit_code = -1;
  std::string out;
  nlohmann::json report;  // null for text output

  /// The findings with this id, across checks.
  std::vector<nlohmann::json> Findings(const std::string& id) const {
    std::vector<nlohmann::json> out_list;
    for (const auto& c : report["checks"]) {
      for (const auto& f : c["findings"]) {
        if (f["id"] == id) out_list.push_back(f);
      }
    }
    return out_list;
  }
  nlohmann::json Check(const std::string& name) const {
    for (const auto& c : report["checks"]) {
      if (c["check"] == name) return c;
    }
    return nullptr;
  }
};

class AuditFixture {
 public:
  AuditFixture() {
    MakePrivsepDir();  // `check` runs the real sshd -t and sshd -T
    ::chmod(dir_.path().c_str(), 0755);
    WriteFile(config_yaml(), "state_dir: " + dir_.path() +
                                 "/state\n"
                                 "sources:\n  journal: { enabled: false }\n  files: []\n"
                                 "audit:\n  sshd_binary: " +
                                 std::string(kSshdBinary) + "\n  sshd_config: " + sshd_config() +
                                 "\n");
  }

  const std::string& dir() const { return dir_.path(); }
  std::string config_yaml() const { return dir_.path() + "/config.yaml"; }
  std::string sshd_config() const { return dir_.path() + "/sshd_config"; }
  std::string key(const std::string& type) const {
    return dir_.path() + "/ssh_host_" + type + "_key";
  }

  void MakeKey(const std::string& type) {
    ::unlink(key(type).c_str());
    ::unlink((key(type) + ".pub").c_str());
    const auto r =
        RunCommand({"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "test", "-f", key(type)});
    if (r.exit_code != 0) throw std::runtime_error("ssh-keygen failed: " + r.err);
  }

  /// sshd_config with HostKeys for `key_types`, a PidFile in the directory and `extra` lines.
  void WriteSshdConfig(const std::vector<std::string>& key_types, const std::string& extra = "") {
    std::string text = "PidFile " + dir_.path() +
                       "/sshd.pid\nListenAddress 127.0.0.1\nPort 1\n"
                       "PasswordAuthentication no\n";
    for (const auto& t : key_types) text += "HostKey " + key(t) + "\n";
    WriteFile(sshd_config(), text + extra);
  }

  /// `wrapper`: a command the check's argv is appended to, which runs it (e.g. unshare).
  CheckRun Run(std::vector<std::string> args, bool json = true,
               std::vector<std::string> wrapper = {}) const {
    std::vector<std::string> argv = std::move(wrapper);
    argv.insert(argv.end(), {SSHD_HEALTH_BINARY, "check", "-c", config_yaml()});
    if (json) argv.insert(argv.end(), {"--format", "json"});
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = RunCommand(argv, std::chrono::seconds(60));
    CheckRun run{r.exit_code, r.out, nullptr};
    if (json) run.report = nlohmann::json::parse(r.out, nullptr, false);
    return run;
  }

 private:
  TempDir dir_;
};

}  // namespace test
