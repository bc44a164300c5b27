#pragma once
// The server's side for `why`: every audit once (the same RunAudit `check` runs), on a
// HostView that refuses to write, and the effective settings for this client from
// `sshd -T -C user=U,addr=A,host=H` (Match blocks applied, as sshd would for it).
#include <map>
#include <string>

#include "app/why/why_evidence.h"
#include "audit/audit_report.h"
#include "audit/host_view.h"

namespace sshd_health::why {

/// Delegates to another HostView but refuses WriteFileAtomic: `why` never changes the
/// host (the host key check records fingerprints when it can; here it cannot).
class ReadOnlyHost final : public HostView {
 public:
  explicit ReadOnlyHost(const HostView& host) : host_(host) {}
  Result<FileInfo> Stat(const std::string& p, bool* missing) const override {
    return host_.Stat(p, missing);
  }
  Result<std::string> ReadFile(const std::string& p, std::size_t max) const override {
    return host_.ReadFile(p, max);
  }
  Result<std::vector<std::string>> ListDir(const std::string& p) const override {
    return host_.ListDir(p);
  }
  Result<std::string> ReadLink(const std::string& p) const override { return host_.ReadLink(p); }
  std::vector<std::string> Glob(const std::string& p) const override { return host_.Glob(p); }
  Result<std::string> ReadProcMaps(int pid) const override { return host_.ReadProcMaps(pid); }
  Result<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout) const override {
    return host_.RunCommand(argv, timeout);
  }
  BannerProbe ProbeBanner(const std::string& a, int port,
                          std::chrono::milliseconds timeout) const override {
    return host_.ProbeBanner(a, port, timeout);
  }
  Result<UnitState> GetUnitState(const std::string& unit) const override {
    return host_.GetUnitState(unit);
  }
  std::optional<std::string> GroupName(std::uint32_t gid) const override {
    return host_.GroupName(gid);
  }
  std::optional<std::string> FindProgram(const std::string& name) const override {
    return host_.FindProgram(name);
  }
  Result<bool> WriteFileAtomic(const std::string& path, const std::string&) const override {
    return Fail(path + " left alone (why is read-only)");
  }
  TimePoint Now() const override { return host_.Now(); }

 private:
  const HostView& host_;
};

struct ServerState {
  AuditReport audit;
  /// The keywords that decide a login (kEffectiveKeywords), as sshd -T -C prints them.
  std::map<std::string, std::string> effective;
  std::string effective_source;  // the command, or why it could not run
};

/// The sshd_config keywords `why` reports and reasons about.
const std::vector<std::string>& EffectiveKeywords();

/// The -C spec for the query: "user=U,addr=A,host=A" (sshd wants all three; a missing one
/// is filled with a placeholder that no Match names: user "-", addr 0.0.0.0).
std::string ConnectionSpec(const ClientQuery& query);

ServerState GatherServerState(const HostView& host, const AuditSettings& settings,
                              const ClientQuery& query);

}  // namespace sshd_health::why
