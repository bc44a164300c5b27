#pragma once
// Which logs a config asks to be read. One answer for the daemon's sources, `scan` without
// inputs and `check`'s count of recent drops, so the three never read different logs.
#include <string>
#include <vector>

#include "core/config.h"

namespace sshd_health {

struct WantedSources {
  bool journal = false;            // read the journal (sources.journal.directory, or the system's)
  std::vector<std::string> files;  // read these syslog files (they need not exist yet)
};

/// Whether the journal is read: `enabled: true`; or `auto` with a directory set or
/// journald running (/run/systemd/journal exists).
bool JournalWanted(const JournalSourceConfig& journal);

/// The journal as JournalWanted says; the files of sources.files when the journal is not
/// read, or when it is explicitly on as well. Under `auto` a journal means no files:
/// rsyslog copies journald's lines into auth.log, and both would count each line twice.
WantedSources SourcesWanted(const SourcesConfig& sources);

}  // namespace sshd_health
