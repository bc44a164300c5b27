#pragma once
// The journal files of a directory and what their headers say about their sequence, as
// JournalSource needs them to read each sequence (one machine's files on a central log
// host) on its own.
//
// A journal file's header (systemd's JOURNAL_FILE_FORMAT.md) names the sequence its
// entries' numbers belong to (seqnum_id: one per journald instance, or per machine in
// systemd-journal-remote, kept across rotation) and the number of its newest entry
// (tail_entry_seqnum), which the writer updates in place on every append. Reading them
// with pread costs one small read per file and needs no sd_journal.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sshd_health {

struct JournalFileInfo {
  std::string path;
  std::pair<dev_t, ino_t> id{};
  /// False when the file has no valid header (yet): journal-remote creates a file before
  /// it writes the header.
  bool has_header = false;
  /// The sequence, as the `s=` field of a cursor spells it (32 lower-case hex digits).
  std::string seqnum_id;
  std::uint64_t tail_seqnum = 0;  // 0: no entry yet
};

/// The regular files named *.journal or *.journal~ in `directory` and in its
/// subdirectories named like a machine id (32 hex digits), which sd_journal_open_directory
/// reads too. Unreadable entries are left out.
std::vector<JournalFileInfo> ListJournalFiles(const std::string& directory);

}  // namespace sshd_health
