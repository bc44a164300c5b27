#include "rules/evidence_ring.h"

#include <algorithm>
#include <cstring>

namespace sshd_health {

// An entry is a 2-byte length followed by the text; it may wrap around the end.
EvidenceRing::EvidenceRing(std::size_t capacity_bytes)
    : capacity_(std::max<std::size_t>(capacity_bytes, 1024)) {}

// An empty text may come with a null data pointer, which memcpy must never see (UBSan).
void EvidenceRing::Write(std::uint64_t at, const char* data, std::size_t n) {
  if (n == 0) return;
  const std::size_t pos = at % capacity_;
  const std::size_t first = std::min(n, capacity_ - pos);
  std::memcpy(buf_.get() + pos, data, first);
  std::memcpy(buf_.get(), data + first, n - first);
}

void EvidenceRing::Read(std::uint64_t at, char* data, std::size_t n) const {
  if (n == 0) return;
  const std::size_t pos = at % capacity_;
  const std::size_t first = std::min(n, capacity_ - pos);
  std::memcpy(data, buf_.get() + pos, first);
  std::memcpy(data + first, buf_.get(), n - first);
}

EvidenceRing::Ref EvidenceRing::Append(std::string_view text) {
  if (!buf_) buf_.reset(new char[capacity_]);  // uninitialised: RSS grows only as written
  const std::size_t n = std::min<std::size_t>({text.size(), 0xffff, capacity_ - 2});
  const unsigned char header[2] = {static_cast<unsigned char>(n >> 8),
                                   static_cast<unsigned char>(n & 0xff)};
  const Ref ref = end_;
  const std::size_t pos = end_ % capacity_;
  if (pos + 2 + n <= capacity_) {
    // Nearly every entry lies whole before the ring's end: one copy of the line (an
    // episode's first line is stored for every group of an attack wave).
    char* out = buf_.get() + pos;
    std::memcpy(out, header, 2);
    if (n > 0) std::memcpy(out + 2, text.data(), n);
  } else {
    Write(end_, reinterpret_cast<const char*>(header), 2);
    Write(end_ + 2, text.data(), n);
  }
  end_ += 2 + n;
  return ref;
}

bool EvidenceRing::Get(Ref ref, std::string& out) const {
  // Entries are written in order, so one is intact exactly when nothing written after
  // it has reached its first byte.
  if (!buf_ || ref >= end_ || end_ - ref > capacity_) return false;
  unsigned char header[2];
  Read(ref, reinterpret_cast<char*>(header), 2);
  const std::size_t n = (static_cast<std::size_t>(header[0]) << 8) | header[1];
  if (ref + 2 + n > end_) return false;
  out.resize(n);
  Read(ref + 2, out.data(), n);
  return true;
}

}  // namespace sshd_health
