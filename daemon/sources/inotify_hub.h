#pragma once
// InotifyHub: one inotify instance shared by many FileSources (a GlobSource's files), so
// a central log host following hundreds of files needs one instance, not one per file
// (fs.inotify.max_user_instances is 128 by default). Watches of the same directory by
// several listeners share the kernel's one watch (IN_MASK_ADD widens its mask; a wider
// mask only makes a listener look again, which every listener treats as harmless), and
// the watch is removed when its last listener lets go.
#include <sys/inotify.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace sshd_health {

class InotifyHub {
 public:
  /// Told about the events of its watches. Both calls run on the io_context thread.
  class Listener {
   public:
    /// One event of one of the listener's watches (or an overflow, wd -1: look again at
    /// everything). Must not remove or add watches: that waits for OnInotifyDone.
    virtual void OnInotify(const inotify_event& event) = 0;
    /// After a batch of events that concerned this listener.
    virtual void OnInotifyDone() = 0;

   protected:
    ~Listener() = default;
  };

  /// `io` must outlive the hub; the hub must outlive its listeners' watches.
  explicit InotifyHub(boost::asio::io_context& io) : io_(io) {}
  ~InotifyHub();
  InotifyHub(const InotifyHub&) = delete;
  InotifyHub& operator=(const InotifyHub&) = delete;

  Result<void> Open();
  /// inotify_add_watch for `listener`: the watch descriptor, or -1 with errno set.
  int Add(const std::string& path, std::uint32_t mask, Listener* listener);
  /// Drops `listener` from watch `wd` (the kernel's watch goes with its last listener).
  void Remove(int wd, Listener* listener);
  /// Drops `listener` from every watch (a source that stops).
  void Forget(Listener* listener);
  void Close();

  std::size_t watches() const { return by_wd_.size(); }

 private:
  void Arm();
  void Drain();

  boost::asio::io_context& io_;
  int fd_ = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stream_;
  std::map<int, std::vector<Listener*>> by_wd_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sshd_health
