#pragma once
// Result<T>: a value or an Error, for everything outside config loading (which throws
// ConfigError). Aliased here so moving to std::expected is a one-line change.
#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace sshd_health {

/// A failure with a human-readable message, ready to show an admin.
struct Error {
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

/// Shorthand for returning a failure: `return Fail("cannot open ", path);`
inline tl::unexpected<Error> Fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace sshd_health
