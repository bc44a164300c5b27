#pragma once
// RealHost: the HostView of this machine. Each method delegates to the file that owns the
// idea: audit/host_files (syscalls on paths), core/subprocess (child processes),
// audit/banner_probe (TCP), audit/systemd_units (sd-bus), core/atomic_file.
#include "audit/host_view.h"

namespace sshd_health {

class ProbeLedger;

class RealHost final : public HostView {
 public:
  /// `probe_ledger` (the daemon's; must outlive this) records each banner probe's
  /// connection so the daemon can recognise the lines sshd logs about it.
  explicit RealHost(ProbeLedger* probe_ledger = nullptr) : probe_ledger_(probe_ledger) {}

  Result<FileInfo> Stat(const std::string& path, bool* missing = nullptr) const override;
  Result<std::string> ReadFile(const std::string& path, std::size_t max_bytes) const override;
  Result<std::vector<std::string>> ListDir(const std::string& path) const override;
  Result<std::string> ReadLink(const std::string& path) const override;
  std::vector<std::string> Glob(const std::string& pattern) const override;
  Result<std::string> ReadProcMaps(int pid) const override;
  Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout) const override;
  BannerProbe ProbeBanner(const std::string& address, int port,
                          std::chrono::milliseconds timeout) const override;
  Result<UnitState> GetUnitState(const std::string& unit) const override;
  std::optional<std::string> GroupName(std::uint32_t gid) const override;
  std::optional<std::string> FindProgram(const std::string& name) const override;
  Result<bool> WriteFileAtomic(const std::string& path, const std::string& text) const override;
  TimePoint Now() const override { return SystemClock::now(); }

 private:
  ProbeLedger* probe_ledger_;
};

}  // namespace sshd_health
