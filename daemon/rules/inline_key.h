#pragma once
// InlineKey: a group's key text, up to kInline bytes inside the group itself. A std::string
// holds 15: an address with its origin host ("203.0.113.45\0web1"), a /24 with it or an
// IPv6 /64 is longer, and so a heap block per group - an allocation for every new source
// of an attack wave, a free for each when the groups go. Longer keys (long host or user
// names) still go to the heap. The same 32 bytes as a std::string.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sshd_health {

class InlineKey {
 public:
  static constexpr std::size_t kInline = 31;

  InlineKey() { bytes_[kTag] = 0; }
  ~InlineKey() { Free(); }
  InlineKey(InlineKey&& other) noexcept { Take(other); }
  InlineKey& operator=(InlineKey&& other) noexcept {
    if (this != &other) {
      Free();
      Take(other);
    }
    return *this;
  }
  InlineKey(const InlineKey&) = delete;
  InlineKey& operator=(const InlineKey&) = delete;

  std::string_view view() const {
    if (!heap()) return std::string_view(bytes_, static_cast<unsigned char>(bytes_[kTag]));
    const Long l = GetLong();
    return std::string_view(l.data, l.size);
  }
  operator std::string_view() const { return view(); }  // NOLINT: implicit on purpose
  bool empty() const { return view().empty(); }
  std::size_t size() const { return view().size(); }
  friend bool operator==(const InlineKey& a, std::string_view b) { return a.view() == b; }

  void assign(std::string_view text) {
    if (text.size() <= kInline) {
      Free();
      // memcpy may not be given an empty view's null data(), even for 0 bytes.
      if (!text.empty()) std::memcpy(bytes_, text.data(), text.size());
      bytes_[kTag] = static_cast<char>(text.size());
      return;
    }
    // A long key keeps its block for the slot's next long key when it fits.
    Long l = heap() ? GetLong() : Long{};
    if (!heap() || l.capacity < text.size()) {
      Free();
      l.data = new char[text.size()];
      l.capacity = static_cast<std::uint32_t>(text.size());
      bytes_[kTag] = kHeap;
    }
    std::memcpy(l.data, text.data(), text.size());
    l.size = static_cast<std::uint32_t>(text.size());
    SetLong(l);
  }
  void clear() {
    if (!heap()) {
      bytes_[kTag] = 0;
      return;
    }
    Long l = GetLong();
    l.size = 0;
    SetLong(l);
  }

 private:
  // bytes_[kTag]: the inline length, or kHeap when the first bytes hold a Long.
  static constexpr std::size_t kTag = kInline;
  static constexpr char kHeap = static_cast<char>(0xff);
  struct Long {
    char* data = nullptr;
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;
  };
  static_assert(sizeof(Long) < kInline);

  bool heap() const { return bytes_[kTag] == kHeap; }
  Long GetLong() const {
    Long l;
    std::memcpy(&l, bytes_, sizeof l);
    return l;
  }
  void SetLong(const Long& l) { std::memcpy(bytes_, &l, sizeof l); }
  void Free() {
    if (heap()) delete[] GetLong().data;
    bytes_[kTag] = 0;
  }
  void Take(InlineKey& other) {
    std::memcpy(bytes_, other.bytes_, sizeof bytes_);
    other.bytes_[kTag] = 0;
  }

  alignas(8) char bytes_[kInline + 1];
};

static_assert(sizeof(InlineKey) == 32);

}  // namespace sshd_health
