#pragma once
// The loaders read files: the fuzzed YAML goes to one file in a private temporary
// directory (tmpfs under /dev/shm when there is one), rewritten per input.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz {

inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string t = (::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                    std::string("/sshd-health-fuzz.XXXXXX");
    if (::mkdtemp(t.data()) == nullptr) std::abort();
    return t;
  }();
  return dir;
}

/// Writes `text` to ScratchDir()/name and returns the path.
inline std::string WriteScratch(const std::string& name, std::string_view text) {
  const std::string path = ScratchDir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), f) != text.size()) std::abort();
  std::fclose(f);
  return path;
}

}  // namespace fuzz
