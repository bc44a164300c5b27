#include "core/hash_index.h"

#include <random>
#include <utility>

namespace sshd_health {

std::uint64_t RandomSeed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

void HashIndex::Reset(std::size_t capacity) {
  std::size_t n = 16;
  while (n < capacity * 2) n *= 2;
  std::vector<Entry>(n).swap(table_);
  mask_ = n - 1;
  size_ = 0;
}

void HashIndex::Grow() {
  std::vector<Entry> old(table_.size() * 2);
  old.swap(table_);
  mask_ = table_.size() - 1;
  for (const Entry& e : old) {
    if (e.slot != 0) Place(e.hash, e.slot - 1);
  }
}

// Linear probing without tombstones: after emptying a position, shift back every later
// entry of the same run that may move, so lookups never stop early at the hole.
void HashIndex::Erase(std::uint32_t hash, std::uint32_t slot) {
  std::size_t hole = hash & mask_;
  while (true) {
    const Entry& e = table_[hole];
    if (e.slot == 0) return;
    if (e.slot == slot + 1) break;
    hole = (hole + 1) & mask_;
  }
  for (std::size_t j = (hole + 1) & mask_; table_[j].slot != 0; j = (j + 1) & mask_) {
    const std::size_t ideal = table_[j].hash & mask_;
    // The entry at j may fill the hole unless its ideal position lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < ideal && ideal <= j) : (hole < ideal || ideal <= j);
    if (stays) continue;
    table_[hole] = table_[j];
    hole = j;
  }
  table_[hole] = Entry{};
  --size_;
}

}  // namespace sshd_health
