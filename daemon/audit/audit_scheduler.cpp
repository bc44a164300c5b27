#include "audit/audit_scheduler.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/audit_report.h"
#include "audit/finding_tracker.h"

namespace sshd_health {
namespace {

// Editors and package managers touch several files in a burst: audit once it settles.
constexpr std::chrono::seconds kDebounce{2};

}  // namespace

// Threads: Start/Stop, timers, inotify and the tracker live on the io_context thread;
// audits run on `worker`, which shares only the request flags (under `mutex`) and posts
// each report back. Every handler checks `alive`, so a completion or report that was
// already queued when Stop ran is dropped.
struct AuditScheduler::State {
  State(boost::asio::io_context& io_in, const Config& config, AlertSink& sink_in,
        const HostView& host_in, LogCounts counts)
      : io(io_in),
        sink(sink_in),
        host(host_in),
        recent_log_counts(std::move(counts)),
        settings(AuditSettingsFromConfig(config)),
        interval(config.audit.interval),
        enabled(config.audit.enabled),
        interval_timer(io_in),
        debounce_timer(io_in),
        inotify(io_in),
        tracker(config.state_dir.empty() ? "" : config.state_dir + "/audit_findings.json",
                config.audit.alert_min_severity) {}

  boost::asio::io_context& io;
  AlertSink& sink;
  const HostView& host;
  const LogCounts recent_log_counts;
  const AuditSettings settings;
  const Duration interval;
  const bool enabled;
  boost::asio::steady_timer interval_timer;
  boost::asio::steady_timer debounce_timer;
  boost::asio::posix::stream_descriptor inotify;
  std::array<char, 8192> inotify_buffer{};
  FindingTracker tracker;
  std::function<void(const AuditReport&)> on_report;
  std::shared_ptr<int> alive = std::make_shared<int>(0);

  std::thread worker;
  std::mutex mutex;
  std::condition_variable wake;
  bool run_requested = false;
  bool stopping = false;
  bool started = false;

  void RequestRun() {
    {
      std::lock_guard lock(mutex);
      run_requested = true;
    }
    wake.notify_one();
  }

  void ArmInterval() {
    interval_timer.expires_after(interval);
    // A completion already queued when Stop ran still arrives: `alive` tells.
    interval_timer.async_wait(
        [this, weak = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
          if (ec || weak.expired()) return;
          RequestRun();
          ArmInterval();
        });
  }

  void Debounce() {
    debounce_timer.expires_after(kDebounce);
    debounce_timer.async_wait(
        [this, weak = std::weak_ptr<int>(alive)](const boost::system::error_code& ec) {
          if (!ec && !weak.expired()) RequestRun();
        });
  }

  void Watch(int fd, const std::string& path, std::uint32_t mask) {
    if (!std::filesystem::is_directory(path)) return;
    if (::inotify_add_watch(fd, path.c_str(), mask) < 0) {
      spdlog::warn("audit: cannot watch {}: {}", path, std::strerror(errno));
    }
  }

  void StartWatches() {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      spdlog::warn("audit: inotify unavailable ({}); audits run on the interval only",
                   std::strerror(errno));
      return;
    }
    constexpr std::uint32_t kChanges =
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB;
    const auto config_dir = std::filesystem::path(settings.sshd_config).parent_path().string();
    Watch(fd, config_dir, kChanges);
    Watch(fd, config_dir + "/sshd_config.d", kChanges);
    // Package upgrades: dpkg rewrites /var/lib/dpkg/status at the end of every run; rpm
    // updates its database under /var/lib/rpm.
    Watch(fd, "/var/lib/dpkg", IN_CLOSE_WRITE | IN_MOVED_TO);
    Watch(fd, "/var/lib/rpm", IN_CLOSE_WRITE | IN_MOVED_TO);
    inotify.assign(fd);
    ReadInotify();
  }

  void ReadInotify() {
    inotify.async_read_some(boost::asio::buffer(inotify_buffer),
                            [this, weak = std::weak_ptr<int>(alive)](
                                const boost::system::error_code& ec, std::size_t n) {
                              if (ec || weak.expired()) return;  // closed by Stop
                              if (n > 0) Debounce();
                              ReadInotify();
                            });
  }

  void WorkerLoop() {
    while (true) {
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [&] { return run_requested || stopping; });
        if (stopping) return;
        run_requested = false;
      }
      std::optional<AuditReport> report;
      try {
        AuditSettings s = settings;
        if (recent_log_counts) {
          const RecentLogCounts counts = recent_log_counts();
          s.recent_maxstartups_drops = counts.maxstartups_drops;
          s.recent_grace_timeouts = counts.grace_timeouts;
        }
        report = RunAudit(host, s);
      } catch (const std::exception& e) {
        spdlog::error("audit: run failed: {}", e.what());
      }
      if (!report) continue;
      std::weak_ptr<int> weak = alive;
      boost::asio::post(io, [this, weak, r = std::move(*report)] {
        if (weak.expired()) return;
        tracker.Update(r, SystemClock::now(), sink);
        if (!tracker.save_error().empty()) spdlog::warn("audit: {}", tracker.save_error());
        if (on_report) on_report(r);
      });
    }
  }
};

AuditScheduler::AuditScheduler(boost::asio::io_context& io, const Config& config, AlertSink& sink,
                               const HostView& host, LogCounts recent_log_counts)
    : state_(std::make_unique<State>(io, config, sink, host, std::move(recent_log_counts))) {}

AuditScheduler::~AuditScheduler() { Stop(); }

void AuditScheduler::OnReport(std::function<void(const AuditReport&)> observer) {
  state_->on_report = std::move(observer);
}

void AuditScheduler::Start() {
  State& s = *state_;
  if (s.started || !s.enabled) return;
  s.started = true;
  s.stopping = false;
  s.alive = std::make_shared<int>(0);
  s.worker = std::thread([&s] { s.WorkerLoop(); });
  s.StartWatches();
  s.RequestRun();  // the first audit right away
  s.ArmInterval();
}

void AuditScheduler::Stop() {
  State& s = *state_;
  if (!s.started) return;
  s.started = false;
  s.interval_timer.cancel();
  s.debounce_timer.cancel();
  boost::system::error_code ec;
  s.inotify.close(ec);
  {
    std::lock_guard lock(s.mutex);
    s.stopping = true;
  }
  s.wake.notify_one();
  if (s.worker.joinable()) s.worker.join();
  s.alive.reset();
}

}  // namespace sshd_health
