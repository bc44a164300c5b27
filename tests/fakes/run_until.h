#pragma once
// Driving a real io_context in tests: run it in short slices until a condition holds or
// a deadline passes, never a sleep. The deadline only matters when a test fails, so it is
// generous (the machine may be loaded).
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace test {

/// Runs `io` until `condition` holds (true) or `timeout` passes (false). `condition` is
/// checked on this thread between slices of 10 ms; `io` is restarted whenever it ran out
/// of work, so handlers posted later still run.
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& condition,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace test
