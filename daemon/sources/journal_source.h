#pragma once
// JournalSource: follows sshd's entries in the systemd journal (or in the journal files of
// one directory) through libsystemd's sd_journal, waiting on sd_journal_get_fd with Asio.
//
// Only sshd's entries are read: SYSLOG_IDENTIFIER sshd, sshd-session or sshd-auth, or
// _SYSTEMD_UNIT ssh.service (Debian) / sshd.service (RHEL). Each becomes a LogRecord with
// the entry's own timestamp and a `line` like journalctl's short output.
//
// Position: the cursor of the last processed entry and its realtime timestamp, saved in
// the StateStore after every batch. A restart continues right after the cursor; when that
// entry is gone (journal vacuumed or rotated away) it warns and continues at the oldest
// entry after the saved timestamp - never silently at the tail. With ReplayFrom, a
// restart first re-reads the entries from that time (seek by realtime) up to the cursor.
//
// A directory of many machines' files (systemd-journal-remote's remote-HOST.journal on a
// central log host) is read as one merged stream, and each machine's sequence (the
// seqnum_id of its files, journal_files.h) also keeps its own position: the number of its
// last entry handed on. sd_journal merges files by time, so an entry that reaches the
// directory after a newer entry of another machine was read sorts before the merged
// position and is never returned by it; the source looks at the files' headers every 2 s
// (and when the stream brings a sequence it does not know), and reads each sequence whose
// newest entry is past its position from that sequence's files alone, by sequence number.
// The merged stream hands an entry on only when it is the next number of its sequence;
// after a gap (other programs' entries, or late ones it passed over within one upload)
// the sequence's files are read first, so a position never passes an entry not handed
// on, and each entry is handed on once, whichever way it came first. Saved with the cursor:
// {"cursor", "realtime_usec", "sequences": {seqnum_id: seqnum}}; a record without
// "sequences" (an earlier version) starts each sequence where the merged cursor is.
//
// Files sd_journal missed: libsystemd 252 tries a file when its directory says it
// appeared or changed; a file it found without a header yet (journal-remote creates it,
// then fills it through a mapping, which inotify does not report) it does not try again.
// Such a file's sequence is read as above; when the look finds files its sd_journal has
// never had open, it also opens the journal again at the position, so that their next
// entries come with the stream. A file that still cannot be opened is tried again with a
// growing pause (up to 5 min) and named in a warning after its third try.
#include <sys/types.h>
#include <systemd/sd-journal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/state_store.h"
#include "sources/journal_files.h"
#include "sources/log_source.h"

namespace sshd_health {

struct SdJournalCloser {
  void operator()(sd_journal* j) const { sd_journal_close(j); }
};
using SdJournalPtr = std::unique_ptr<sd_journal, SdJournalCloser>;

/// The one way we open the journal, shared with ScanJournal (journal_scan.h): the local
/// system journal, or with a `directory` the journal files in it, restricted to sshd's
/// entries (the identifiers and units above), with a bound on the size of a field read.
/// The error is the reason alone ("No such file or directory"); the caller names the
/// journal.
Result<SdJournalPtr> OpenSshdJournal(const std::string& directory);

/// The pure half of CurrentJournalRecord: an entry's fields ("NAME=value", as
/// sd_journal_enumerate_data yields them) shaped into a LogRecord and a short-form line.
/// Only the first MESSAGE, SYSLOG_IDENTIFIER, _HOSTNAME, _PID (else SYSLOG_PID) and
/// _SOURCE_REALTIME_TIMESTAMP count; values are copied as they are seen. Apart from the
/// journal so that fuzzing and tests reach it without a journal file.
class JournalEntryShaper {
 public:
  /// `line` (cleared here) receives the synthesized line; the record Finish returns
  /// points into it. REQUIRES: `line` outlives the shaper and the record.
  explicit JournalEntryShaper(std::string& line);
  void Field(std::string_view field);
  /// True until a _SOURCE_REALTIME_TIMESTAMP was seen: Finish then wants the entry's
  /// realtime timestamp.
  bool needs_realtime() const { return usec_ == 0; }
  /// Whether MESSAGE was cut at kMaxRecordLine.
  bool truncated() const { return truncated_; }
  /// The record; call once, after the last Field.
  LogRecord Finish(std::uint64_t realtime_usec);

 private:
  std::string& line_;
  char ident_[256];
  char host_[256];
  std::size_t ident_len_ = 0;
  std::size_t host_len_ = 0;
  std::uint64_t pid_ = 0;
  std::uint64_t syslog_pid_ = 0;
  std::uint64_t usec_ = 0;
  bool have_message_ = false;
  bool truncated_ = false;
};

/// The entry `j` is positioned on, as a LogRecord whose views point into `line` (the
/// synthesized short-form line, rewritten on each call). `truncated` tells whether
/// MESSAGE was cut at kMaxRecordLine.
LogRecord CurrentJournalRecord(sd_journal* j, std::string& line, bool& truncated);

class JournalSource final : public LogSource {
 public:
  /// `io` and `state` must outlive the source.
  JournalSource(boost::asio::io_context& io, const StateStore& state, JournalSourceConfig config);
  ~JournalSource() override;
  JournalSource(const JournalSource&) = delete;
  JournalSource& operator=(const JournalSource&) = delete;

  const std::string& Name() const override { return name_; }
  Result<void> Start(Handler handler, BatchDone batch_done) override;
  void ReplayFrom(TimePoint since) override { replay_from_ = since; }
  bool Replaying() const override { return replaying_; }
  void Stop() override;
  SourceStats Stats() const override { return stats_; }
  SourcePosition Position() const override;

 private:
  Result<void> Open();
  void Position();
  void Wait();
  void OnWake();
  // Reads up to a batch of entries; returns false when more are waiting.
  bool ReadBatch();
  // libsystemd drops a journal file it cannot iterate (corrupt) from the set without a
  // word (debug level only). When the journal's usage shrinks, the files we had open and
  // no longer have, though they are still on disk, are named in a warning; a vacuumed
  // file is gone from disk and is not.
  void WarnOfDroppedFiles();
  void EmitEntry(sd_journal* j, bool replay);
  // Closes the sd_journal and its waits (not the position).
  void CloseJournal();
  // Every 2 s with a directory: LookForMissedFiles.
  void ScheduleLook();
  // Journal files in the directory sd_journal never had open: re-open and read them.
  void LookForMissedFiles();
  // Opens the journal again at the position. False if the open failed (the source then
  // waits for the next look).
  bool Reopen();
  // Directory mode. Lists the directory's files into files_, forgets the sequences no
  // longer there and adds the new ones (at Start where Position says, later from their
  // first entry); sets sequences_due_ when a sequence has entries past its position.
  void ListFiles(bool at_start);
  // Where a sequence found at Start begins: the number of its last entry already handed
  // on (0: none).
  std::uint64_t StartOfSequence(const std::string& seqnum_id,
                                const std::vector<const char*>& paths);
  // Whether the merged stream's entry with cursor `cursor` is handed on (not when its
  // sequence was read past it, or is yet to be read from its first entry).
  bool NewInSequence(std::string_view cursor);
  // Reads the sequences with entries past their position, each from its files alone, up
  // to a batch in all; false when more are waiting.
  bool ReadSequences();
  // Reads one sequence from its files alone, after its position, up to `budget` entries;
  // returns how many were handed on. `r`: sd_journal_next's last word (> 0: more are
  // waiting), or kCannotOpen.
  struct Sequence;
  int ReadSequence(const std::string& id, Sequence& q, const std::vector<const char*>& paths,
                   int budget, int& r);
  void ReadSequencesSoon();
  // Adds the journal files open now (by device and inode) to known_files_.
  void NoteOpenFiles();
  void Save(bool durable);
  // Records the current entry's cursor and time as the position to resume after.
  bool RememberCurrentEntry();

  boost::asio::io_context& io_;
  const StateStore& state_;
  JournalSourceConfig config_;
  std::string name_;
  Handler handler_;
  BatchDone batch_done_;
  sd_journal* journal_ = nullptr;  // owned: closed in Stop
  std::unique_ptr<boost::asio::posix::stream_descriptor> fd_;
  boost::asio::steady_timer timeout_;
  std::string cursor_;             // of the last entry handed on
  std::uint64_t cursor_usec_ = 0;  // its __REALTIME_TIMESTAMP
  std::string saved_cursor_;
  std::string line_;  // the synthesized line of the entry being handed on
  bool running_ = false;
  bool read_posted_ = false;
  std::optional<TimePoint> replay_from_;
  // Replaying up to and including the saved entry (cursor_, cursor_usec_ stay on it).
  bool replaying_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  SourceStats stats_;
  std::uint64_t usage_ = 0;             // sd_journal_get_usage at the last look
  std::set<std::string> open_files_;    // journal files open (in /proc/self/fd) then
  std::set<std::string> warned_files_;  // named once as dropped; not again after a re-open
  using FileId = std::pair<dev_t, ino_t>;
  boost::asio::steady_timer look_timer_;
  std::set<FileId> known_files_;  // in the directory and open in an sd_journal at some time
  struct MissedFile {
    int tries = 0;
    std::chrono::steady_clock::time_point next_try{};
  };
  std::map<FileId, MissedFile> missed_files_;  // in the directory, never opened
  // Directory mode: each sequence's position (see the top).
  struct Sequence {
    std::uint64_t read = 0;    // the number of its last entry handed on
    std::uint64_t looked = 0;  // its newest entry when it was last read to its end
    bool pending = false;      // new: to be read from its first entry before the stream
    bool recheck = false;      // read once more at the next look (see ReadSequences)
    bool unlisted = false;     // only in the stream, not in the listing: kept
  };
  std::map<std::string, Sequence, std::less<>> sequences_;
  bool sequences_changed_ = false;  // since the last save
  bool sequences_due_ = false;      // some have entries past their position
  bool sequences_posted_ = false;
  std::vector<JournalFileInfo> files_;  // the directory at the last look
  // How Start's sequences begin (Position decides): from a saved record's "sequences",
  // at the merged position (a record of an earlier version), at the head or the tail.
  enum class Begin { kHead, kTail, kAtPosition, kSaved } begin_ = Begin::kTail;
  std::map<std::string, std::uint64_t> saved_sequences_;
  bool position_found_ = false;  // the saved cursor is in the journal
};

}  // namespace sshd_health
