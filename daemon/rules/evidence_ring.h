#pragma once
// EvidenceRing: the recent evidence lines of every rule group, in one fixed-size byte
// ring. A group keeps only references (8 bytes each) to its lines instead of copies, so
// 100,000 groups in an attack wave cost no more text memory than the ring itself. A line
// that has been overwritten by newer ones is simply gone from the evidence: on a quiet
// server the ring holds hours of lines; under a flood, the lines closest to the alert.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sshd_health {

class EvidenceRing {
 public:
  using Ref = std::uint64_t;

  /// Pages of the ring are touched only as lines are written.
  explicit EvidenceRing(std::size_t capacity_bytes = std::size_t{2} << 20);

  /// Stores `text` (cut to 65,535 bytes) and returns its reference.
  Ref Append(std::string_view text);
  /// The text stored under `ref`, or false when it has been overwritten since.
  bool Get(Ref ref, std::string& out) const;

 private:
  void Write(std::uint64_t at, const char* data, std::size_t n);
  void Read(std::uint64_t at, char* data, std::size_t n) const;

  std::size_t capacity_;
  std::unique_ptr<char[]> buf_;  // allocated on first Append
  std::uint64_t end_ = 0;        // bytes ever written: the next entry's reference
};

}  // namespace sshd_health
