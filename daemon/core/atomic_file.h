#pragma once
// Replacing a file's content so that a reader (or a crash) sees either the old content or
// the new, never a torn mix: the one home of the temporary-file-plus-rename idiom.
#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/result.h"

namespace sshd_health {

enum class Durability {
  /// The data and the rename are on disk before the call returns: fsync of the file,
  /// then of its directory (without the second, a power cut can undo the rename).
  kSynced,
  /// Atomic against a crash of this process, not against a power cut: no fsync. For
  /// records rewritten after every batch, where a lost update costs a re-read, not data.
  kAtomicOnly,
};

/// Writes `data` to a new temporary file beside `path` (same directory, so the rename
/// cannot cross file systems), created with `mode` less the umask as open(2) does, then
/// renames it over `path`: the result has the new mode even when `path` had another. On error the
/// temporary file is removed, `path` is left as it was, and the message names the path and errno.
/// REQUIRES: the directory of `path` exists (callers that create it say so).
/// Thread-safe; two writers of one path each leave a whole file (the last rename wins).
Result<void> WriteFileAtomically(const std::string& path, std::string_view data, mode_t mode,
                                 Durability durability = Durability::kSynced);

}  // namespace sshd_health
