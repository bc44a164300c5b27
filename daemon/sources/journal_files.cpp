#include "sources/journal_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

namespace sshd_health {
namespace {

// Offsets in the header (JOURNAL_FILE_FORMAT.md, struct Header): fixed since the format's
// first version.
constexpr std::size_t kSeqnumIdOffset = 72;
constexpr std::size_t kTailEntrySeqnumOffset = 160;
constexpr std::size_t kHeaderBytes = kTailEntrySeqnumOffset + 8;

bool IsJournalFileName(std::string_view name) {
  return name.ends_with(".journal") || name.ends_with(".journal~");
}

bool IsMachineIdName(std::string_view name) {
  if (name.size() != 32) return false;
  for (const char c : name)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::uint64_t Le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void ReadHeader(int dir_fd, const char* name, JournalFileInfo& info) {
  const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return;
  unsigned char h[kHeaderBytes];
  const ssize_t n = ::pread(fd, h, sizeof h, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof h) || std::memcmp(h, "LPKSHHRH", 8) != 0) return;
  static constexpr char kHex[] = "0123456789abcdef";
  info.seqnum_id.resize(32);
  for (std::size_t i = 0; i < 16; ++i) {
    info.seqnum_id[2 * i] = kHex[h[kSeqnumIdOffset + i] >> 4];
    info.seqnum_id[2 * i + 1] = kHex[h[kSeqnumIdOffset + i] & 15];
  }
  info.tail_seqnum = Le64(h + kTailEntrySeqnumOffset);
  info.has_header = true;
}

void ListInto(const std::string& directory, bool descend, std::vector<JournalFileInfo>& out) {
  DIR* d = ::opendir(directory.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0) continue;
    if (descend && S_ISDIR(st.st_mode) && IsMachineIdName(e->d_name)) {
      ListInto(directory + "/" + e->d_name, false, out);
      continue;
    }
    if (!S_ISREG(st.st_mode) || !IsJournalFileName(e->d_name)) continue;
    JournalFileInfo info;
    info.path = directory + "/" + e->d_name;
    info.id = {st.st_dev, st.st_ino};
    ReadHeader(::dirfd(d), e->d_name, info);
    out.push_back(std::move(info));
  }
  ::closedir(d);
}

}  // namespace

std::vector<JournalFileInfo> ListJournalFiles(const std::string& directory) {
  std::vector<JournalFileInfo> out;
  ListInto(directory, true, out);
  return out;
}

}  // namespace sshd_health
