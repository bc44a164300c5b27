#include "sources/wanted_sources.h"

#include <filesystem>
#include <system_error>

namespace sshd_health {

bool JournalWanted(const JournalSourceConfig& journal) {
  switch (journal.enabled) {
    case Tristate::kOn:
      return true;
    case Tristate::kOff:
      return false;
    case Tristate::kAuto:
      break;
  }
  std::error_code ec;
  return !journal.directory.empty() || std::filesystem::exists("/run/systemd/journal", ec);
}

WantedSources SourcesWanted(const SourcesConfig& sources) {
  WantedSources wanted;
  wanted.journal = JournalWanted(sources.journal);
  if (!wanted.journal || sources.journal.enabled == Tristate::kOn) {
    for (const FileSourceConfig& file : sources.files) wanted.files.push_back(file.path);
  }
  return wanted;
}

}  // namespace sshd_health
