#include "sources/inotify_hub.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sshd_health {

InotifyHub::~InotifyHub() {
  *alive_ = false;
  Close();
}

Result<void> InotifyHub::Open() {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) return Fail(fmt::format("inotify_init1: {}", std::strerror(errno)));
  stream_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd_);
  Arm();
  return {};
}

int InotifyHub::Add(const std::string& path, std::uint32_t mask, Listener* listener) {
  if (fd_ < 0) {
    errno = EBADF;
    return -1;
  }
  const int wd = ::inotify_add_watch(fd_, path.c_str(), mask | IN_MASK_ADD);
  if (wd < 0) return -1;
  auto& listeners = by_wd_[wd];
  if (std::find(listeners.begin(), listeners.end(), listener) == listeners.end())
    listeners.push_back(listener);
  return wd;
}

void InotifyHub::Remove(int wd, Listener* listener) {
  const auto it = by_wd_.find(wd);
  if (it == by_wd_.end()) return;  // gone already (IN_IGNORED)
  std::erase(it->second, listener);
  if (!it->second.empty()) return;
  by_wd_.erase(it);
  if (fd_ >= 0) ::inotify_rm_watch(fd_, wd);
}

void InotifyHub::Forget(Listener* listener) {
  std::vector<int> wds;
  for (const auto& [wd, listeners] : by_wd_) {
    if (std::find(listeners.begin(), listeners.end(), listener) != listeners.end())
      wds.push_back(wd);
  }
  for (const int wd : wds) Remove(wd, listener);
}

void InotifyHub::Close() {
  by_wd_.clear();
  if (stream_) {
    boost::system::error_code ec;
    stream_->cancel(ec);
    stream_->close(ec);  // closes fd_
    stream_.reset();
  } else if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = -1;
}

void InotifyHub::Arm() {
  if (!stream_) return;
  stream_->async_wait(
      boost::asio::posix::stream_descriptor::wait_read,
      [this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired() || fd_ < 0) return;
        Drain();
        Arm();
      });
}

void InotifyHub::Drain() {
  std::vector<Listener*> touched;
  auto touch = [&](Listener* l) {
    if (std::find(touched.begin(), touched.end(), l) == touched.end()) touched.push_back(l);
  };
  alignas(inotify_event) char events[4096];
  ssize_t n;
  while (fd_ >= 0 && (n = ::read(fd_, events, sizeof events)) > 0) {
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(events + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
      if (e->mask & IN_Q_OVERFLOW) {
        // Events were lost: every listener looks again.
        for (const auto& [wd, listeners] : by_wd_)
          for (Listener* l : listeners) touch(l);
        continue;
      }
      const auto it = by_wd_.find(e->wd);
      if (it == by_wd_.end()) continue;
      for (Listener* l : it->second) {
        l->OnInotify(*e);
        touch(l);
      }
      if (e->mask & IN_IGNORED) by_wd_.erase(it);  // the kernel removed the watch
    }
  }
  // Listeners may add and remove watches now; none is destroyed from inside these calls.
  for (Listener* l : touched) l->OnInotifyDone();
}

}  // namespace sshd_health
