#include "parse/unknown_lines.h"

#include <algorithm>

#include "parse/address.h"

namespace sshd_health {

namespace {

constexpr std::size_t kMaxShapeBytes = 200;
constexpr std::size_t kMaxSampleBytes = 500;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// An address token with what commonly wraps it: "[192.0.2.7]:22", "192.0.2.7,", "(::1)".
bool IsAddressToken(std::string_view t) {
  while (!t.empty() &&
         (t.front() == '[' || t.front() == '(' || t.front() == '"' || t.front() == '\'')) {
    t.remove_prefix(1);
  }
  while (!t.empty() && (t.back() == ',' || t.back() == '.' || t.back() == ')' || t.back() == ';' ||
                        t.back() == '"' || t.back() == '\'' || t.back() == ':')) {
    t.remove_suffix(1);
  }
  const auto close = t.find("]:");
  if (close != std::string_view::npos) t = t.substr(0, close);
  if (!t.empty() && t.back() == ']') t.remove_suffix(1);
  const auto slash = t.find('/');  // 192.0.2.0/24
  if (slash != std::string_view::npos) t = t.substr(0, slash);
  return t.find_first_of(".:") != std::string_view::npos && IsIpAddress(t);
}

}  // namespace

UnknownLines::UnknownLines(std::size_t max_shapes, std::size_t samples_per_shape)
    : max_shapes_(max_shapes), samples_per_shape_(samples_per_shape) {}

std::string UnknownLines::ShapeOf(std::string_view message) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size() && out.size() < kMaxShapeBytes) {
    if (message[i] == ' ') {
      out += ' ';
      ++i;
      continue;
    }
    const auto end = std::min(message.find(' ', i), message.size());
    const std::string_view token = message.substr(i, end - i);
    if (IsAddressToken(token)) {
      out += "<addr>";
    } else {
      for (std::size_t k = 0; k < token.size(); ++k) {
        if (IsDigit(token[k])) {
          out += 'N';
          while (k + 1 < token.size() && IsDigit(token[k + 1])) ++k;
        } else {
          out += token[k];
        }
      }
    }
    i = end;
  }
  if (out.size() > kMaxShapeBytes) out.resize(kMaxShapeBytes);
  return out;
}

void UnknownLines::Add(std::string_view message) {
  ++total_;
  std::string shape = ShapeOf(message);
  auto it = at_.find(shape);
  if (it == at_.end()) {
    if (shapes_.size() >= max_shapes_) {
      ++overflow_;
      return;
    }
    it = at_.emplace(shape, shapes_.size()).first;
    shapes_.push_back(Shape{std::move(shape), 0, {}});
  }
  Shape& s = shapes_[it->second];
  ++s.count;
  if (s.samples.size() < samples_per_shape_) {
    s.samples.emplace_back(message.substr(0, kMaxSampleBytes));
  }
}

std::vector<UnknownLines::Shape> UnknownLines::Shapes() const {
  std::vector<Shape> out = shapes_;
  std::stable_sort(out.begin(), out.end(),
                   [](const Shape& a, const Shape& b) { return a.count > b.count; });
  return out;
}

void UnknownLines::Clear() {
  total_ = 0;
  overflow_ = 0;
  shapes_.clear();
  at_.clear();
}

}  // namespace sshd_health
