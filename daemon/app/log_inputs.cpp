#include "app/log_inputs.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "core/text.h"
#include "sources/glob_source.h"
#include "sources/wanted_sources.h"

namespace sshd_health {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

LogInputs ResolveLogInputs(const Config& config, const std::string& journal_directory,
                           const std::vector<std::string>& inputs) {
  LogInputs out;
  out.files = inputs;
  if (!journal_directory.empty()) {
    out.journal_dir = journal_directory;
    return out;
  }
  if (!inputs.empty()) return out;
  out.from_config = true;
  const JournalSourceConfig& configured = config.sources.journal;
  const WantedSources wanted = SourcesWanted(config.sources);
  if (wanted.journal) {
    // The system journal is read from its files: the persistent ones when journald keeps
    // them, else the runtime ones (volatile storage).
    std::error_code ec;
    out.journal_dir = !configured.directory.empty()                           ? configured.directory
                      : std::filesystem::is_directory("/var/log/journal", ec) ? "/var/log/journal"
                                                                              : "/run/log/journal";
  }
  out.looked_at = wanted.files;
  // A pattern (a central log host's /var/log/remote/*/auth.log) is its matches now.
  for (const std::string& pattern : wanted.files) {
    for (const std::string& path : ExpandGlob(pattern))
      if (Exists(path)) out.files.push_back(path);
  }
  return out;
}

std::string NoLogInputsMessage(const LogInputs& inputs, const Config& config) {
  return fmt::format(
      "no sshd log files found: looked at {} and found no systemd journal (from {}); pass "
      "files or - for stdin",
      inputs.looked_at.empty() ? std::string("nothing (sources.files is empty)")
                               : fmt::format("{}", fmt::join(inputs.looked_at, ", ")),
      config.source);
}

void AnnounceLogInputs(const LogInputs& inputs) {
  if (!inputs.from_config) return;
  if (inputs.journal_dir) {
    std::fprintf(stderr, "sshd-health: scanning the journal files in %s\n",
                 EscapeForOutput(*inputs.journal_dir).c_str());
  }
  for (const std::string& path : inputs.files) {
    std::fprintf(stderr, "sshd-health: scanning %s\n", EscapeForOutput(path).c_str());
  }
}

}  // namespace sshd_health
