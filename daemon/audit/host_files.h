#pragma once
// The file-system half of RealHost: stat, bounded reads, directory listings, links, globs,
// /proc maps, PATH lookup and the group database, each a thin wrapper over its syscall
// that turns errno into an Error naming the path. Contracts as in HostView.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/host_view.h"

namespace sshd_health {

Result<FileInfo> StatPath(const std::string& path, bool* missing);
Result<std::string> ReadFileBounded(const std::string& path, std::size_t max_bytes);
Result<std::vector<std::string>> ListDirectory(const std::string& path);
Result<std::string> ReadSymlink(const std::string& path);
std::vector<std::string> GlobPaths(const std::string& pattern);
Result<std::string> ReadProcessMaps(int pid);
std::optional<std::string> LookUpGroupName(std::uint32_t gid);
std::optional<std::string> FindInPath(const std::string& name);

}  // namespace sshd_health
