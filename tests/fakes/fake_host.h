#pragma once
// FakeHost: an in-memory HostView for the auditors' unit tests. Files, directories,
// links, command results, a banner probe and unit states are set by the test; anything
// not set behaves as missing.
#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "audit/host_view.h"

namespace test {

class FakeHost final : public sshd_health::HostView {
 public:
  using FileInfo = sshd_health::FileInfo;

  /// A regular file owned by root with `perms`.
  void AddFile(const std::string& path, std::string content, std::uint32_t perms = 0644,
               std::uint32_t uid = 0, std::uint32_t gid = 0) {
    FileInfo info;
    info.mode = S_IFREG | perms;
    info.uid = uid;
    info.gid = gid;
    info.dev = 0x801;
    info.ino = next_ino_++;
    files_[path] = {info, std::move(content)};
  }
  void SetInfo(const std::string& path, FileInfo info) { files_[path].info = info; }
  FileInfo& Info(const std::string& path) { return files_.at(path).info; }
  void AddLink(const std::string& path, std::string target) { links_[path] = std::move(target); }
  void AddDir(const std::string& path, std::vector<std::string> names) {
    dirs_[path] = std::move(names);
  }
  /// The result of running exactly `argv`.
  void AddCommand(const std::vector<std::string>& argv, sshd_health::CommandResult result) {
    commands_[Join(argv)] = std::move(result);
  }
  void AddProgram(const std::string& name, const std::string& path) { programs_[name] = path; }
  void AddGroup(std::uint32_t gid, std::string name) { groups_[gid] = std::move(name); }
  void SetProbe(sshd_health::BannerProbe probe) { probe_ = std::move(probe); }
  void SetUnit(sshd_health::UnitState unit) { units_[unit.name] = std::move(unit); }
  void SetNoBus() { no_bus_ = true; }
  void SetNow(sshd_health::TimePoint now) { now_ = now; }

  mutable std::vector<std::string> ran;  // commands run, joined by spaces
  mutable std::string probed;            // "address port" of the last probe
  mutable std::map<std::string, std::string> written;

  sshd_health::Result<FileInfo> Stat(const std::string& path, bool* missing) const override {
    if (auto it = files_.find(path); it != files_.end()) {
      if (missing) *missing = false;
      return it->second.info;
    }
    if (dirs_.count(path)) {
      FileInfo info;
      info.mode = S_IFDIR | 0755;
      if (missing) *missing = false;
      return info;
    }
    if (missing) *missing = true;
    return sshd_health::Fail(path + ": No such file or directory");
  }
  sshd_health::Result<std::string> ReadFile(const std::string& path,
                                            std::size_t max) const override {
    if (auto w = written.find(path); w != written.end()) return w->second.substr(0, max);
    auto it = files_.find(path);
    if (it == files_.end()) return sshd_health::Fail(path + ": No such file or directory");
    return it->second.content.substr(0, max);
  }
  sshd_health::Result<std::vector<std::string>> ListDir(const std::string& path) const override {
    auto it = dirs_.find(path);
    if (it == dirs_.end()) return sshd_health::Fail(path + ": No such file or directory");
    return it->second;
  }
  sshd_health::Result<std::string> ReadLink(const std::string& path) const override {
    auto it = links_.find(path);
    if (it == links_.end()) return sshd_health::Fail(path + ": No such file or directory");
    return it->second;
  }
  std::vector<std::string> Glob(const std::string& pattern) const override {
    std::vector<std::string> out;
    for (const auto& [path, file] : files_) {
      if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
    }
    return out;
  }
  sshd_health::Result<std::string> ReadProcMaps(int pid) const override {
    return ReadFile("/proc/" + std::to_string(pid) + "/maps", 1 << 24);
  }
  sshd_health::Result<sshd_health::CommandResult> RunCommand(
      const std::vector<std::string>& argv, std::chrono::milliseconds) const override {
    ran.push_back(Join(argv));
    auto it = commands_.find(Join(argv));
    if (it == commands_.end()) return sshd_health::Fail("cannot run " + argv[0] + ": not found");
    return it->second;
  }
  sshd_health::BannerProbe ProbeBanner(const std::string& address, int port,
                                       std::chrono::milliseconds) const override {
    probed = address + " " + std::to_string(port);
    return probe_;
  }
  sshd_health::Result<sshd_health::UnitState> GetUnitState(const std::string& unit) const override {
    if (no_bus_) return sshd_health::Fail("no system bus: No such file or directory");
    auto it = units_.find(unit);
    if (it == units_.end()) {
      sshd_health::UnitState s;
      s.name = unit;
      s.load_state = "not-found";
      return s;
    }
    return it->second;
  }
  std::optional<std::string> GroupName(std::uint32_t gid) const override {
    auto it = groups_.find(gid);
    if (it == groups_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string> FindProgram(const std::string& name) const override {
    auto it = programs_.find(name);
    if (it == programs_.end()) return std::nullopt;
    return it->second;
  }
  sshd_health::Result<bool> WriteFileAtomic(const std::string& path,
                                            const std::string& text) const override {
    written[path] = text;
    return true;
  }
  sshd_health::TimePoint Now() const override { return now_; }

 private:
  struct File {
    FileInfo info;
    std::string content;
  };
  static std::string Join(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
  }

  std::map<std::string, File> files_;
  std::map<std::string, std::string> links_;
  std::map<std::string, std::vector<std::string>> dirs_;
  std::map<std::string, sshd_health::CommandResult> commands_;
  std::map<std::string, std::string> programs_;
  std::map<std::uint32_t, std::string> groups_;
  std::map<std::string, sshd_health::UnitState> units_;
  sshd_health::BannerProbe probe_;
  bool no_bus_ = false;
  sshd_health::TimePoint now_ = sshd_health::TimePoint(std::chrono::hours(24 * 365 * 56));
  std::uint64_t next_ino_ = 100;
};

}  // namespace test
