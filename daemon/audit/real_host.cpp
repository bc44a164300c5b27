#include "audit/real_host.h"

#include <filesystem>

#include "audit/banner_probe.h"
#include "audit/host_files.h"
#include "audit/systemd_units.h"
#include "core/atomic_file.h"
#include "core/subprocess.h"

namespace sshd_health {

Result<FileInfo> RealHost::Stat(const std::string& path, bool* missing) const {
  return StatPath(path, missing);
}

Result<std::string> RealHost::ReadFile(const std::string& path, std::size_t max_bytes) const {
  return ReadFileBounded(path, max_bytes);
}

Result<std::vector<std::string>> RealHost::ListDir(const std::string& path) const {
  return ListDirectory(path);
}

Result<std::string> RealHost::ReadLink(const std::string& path) const { return ReadSymlink(path); }

std::vector<std::string> RealHost::Glob(const std::string& pattern) const {
  return GlobPaths(pattern);
}

Result<std::string> RealHost::ReadProcMaps(int pid) const { return ReadProcessMaps(pid); }

Result<CommandResult> RealHost::RunCommand(const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout) const {
  SubprocessRequest request;
  request.argv = argv;
  request.timeout = timeout;
  auto run = RunSubprocess(request);
  if (!run) return Fail(run.error().message);
  CommandResult result;
  result.timed_out = run->timed_out;
  result.exit_code = run->timed_out  ? -1
                     : run->Exited() ? run->exit_status
                                     : 128 + run->term_signal;
  result.out = std::move(run->out);
  result.err = std::move(run->err);
  return result;
}

BannerProbe RealHost::ProbeBanner(const std::string& address, int port,
                                  std::chrono::milliseconds timeout) const {
  return ReadSshBanner(address, port, timeout, probe_ledger_);
}

Result<UnitState> RealHost::GetUnitState(const std::string& unit) const {
  return QueryUnitState(unit);
}

std::optional<std::string> RealHost::GroupName(std::uint32_t gid) const {
  return LookUpGroupName(gid);
}

std::optional<std::string> RealHost::FindProgram(const std::string& name) const {
  return FindInPath(name);
}

Result<bool> RealHost::WriteFileAtomic(const std::string& path, const std::string& text) const {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (auto w = WriteFileAtomically(path, text, 0600); !w) return Fail(w.error().message);
  return true;
}

}  // namespace sshd_health
