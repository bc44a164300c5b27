#include "app/status_publisher.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/status_file.h"

namespace sshd_health {

StatusPublisher::StatusPublisher(boost::asio::io_context& io, Build build)
    : build_(std::move(build)), rate_timer_(io), heartbeat_timer_(io) {}

StatusPublisher::~StatusPublisher() { Stop(); }

void StatusPublisher::Start(const std::string& path) {
  if (path == path_) return;
  if (!path_.empty()) ::unlink(path_.c_str());
  path_ = path;
  failing_ = false;
  Write();
  ArmHeartbeat();
}

void StatusPublisher::Changed() {
  if (path_.empty() || pending_) return;
  const auto next = last_write_ + kMinInterval;
  if (Steady::now() >= next) {
    Write();
    return;
  }
  pending_ = true;
  rate_timer_.expires_at(next);
  rate_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    pending_ = false;
    Write();
  });
}

void StatusPublisher::Stop() {
  rate_timer_.cancel();
  heartbeat_timer_.cancel();
  pending_ = false;
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  path_.clear();
}

void StatusPublisher::Write() {
  if (path_.empty()) return;
  last_write_ = Steady::now();
  auto r = WriteStatusFile(path_, build_());
  // Said once until it works again: a full /run would otherwise fill the log.
  if (!r && !failing_) {
    spdlog::warn(
        "status file: {}; `sshd-health status` cannot see this daemon until it can be "
        "written",
        r.error().message);
  } else if (r && failing_) {
    spdlog::info("status file {} written again", path_);
  }
  failing_ = !r;
}

void StatusPublisher::ArmHeartbeat() {
  heartbeat_timer_.expires_after(kHeartbeat);
  heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || path_.empty()) return;
    // Due anyway: a write the rate timer holds back would come within a second.
    if (!pending_) Write();
    ArmHeartbeat();
  });
}

}  // namespace sshd_health
