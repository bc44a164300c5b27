#pragma once
// UnknownLines: the lines of sshd's programs the parser did not understand (LineClass
// kUnknown), counted and grouped by shape - numbers and addresses masked - with a few
// samples of each, so `scan --unknown` can list them and the daemon can say that it has
// gone partly blind (after an OpenSSH upgrade, say). Bounded: at most `max_shapes` shapes
// and `samples_per_shape` samples each; lines of further shapes are counted, not kept.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sshd_health {

class UnknownLines {
 public:
  struct Shape {
    std::string shape;  // the message with numbers and addresses masked
    std::uint64_t count = 0;
    std::vector<std::string> samples;  // messages as logged (attacker text: escape to print)
  };

  explicit UnknownLines(std::size_t max_shapes = 200, std::size_t samples_per_shape = 3);

  /// Counts one not-understood message (the text after "program[pid]: ").
  void Add(std::string_view message);

  std::uint64_t total() const { return total_; }
  /// Lines whose shape was not kept because max_shapes were already held.
  std::uint64_t overflow() const { return overflow_; }
  /// Most frequent first; ties by first seen.
  std::vector<Shape> Shapes() const;
  void Clear();

  /// "Bogus line from 192.0.2.7 port 4242 (pid 31)" -> "Bogus line from <addr> port N (pid N)".
  /// Cut at 200 bytes.
  static std::string ShapeOf(std::string_view message);

 private:
  std::size_t max_shapes_;
  std::size_t samples_per_shape_;
  std::uint64_t total_ = 0;
  std::uint64_t overflow_ = 0;
  std::vector<Shape> shapes_;                        // in first-seen order
  std::unordered_map<std::string, std::size_t> at_;  // shape -> index in shapes_
};

}  // namespace sshd_health
