#pragma once
// App: the daemon's process skeleton (init, run, configure, shutdown), after ISC Kea's.
// One Boost.Asio io_context thread drives the log sources, inotify, timers and signals:
//   SIGTERM/SIGINT  stop reading, save positions, flush the outputs, exit 0
//   SIGHUP          reload config and rules; a broken file keeps the running config and
//                   raises a `sshd_health.reload_failed` alert
// An idle daemon wakes only for its timers (rule expiry, watchdog, audits). Handlers never
// throw out of the loop: a guard logs and counts what escapes.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/firing_alerts.h"
#include "app/host_counts.h"
#include "app/logs_not_seen_alert.h"
#include "app/metrics.h"
#include "app/own_probe_lines.h"
#include "app/recent_drops.h"
#include "app/status_publisher.h"
#include "app/status_snapshot.h"
#include "app/systemd_notify.h"
#include "app/unparsed_lines_alert.h"
#include "audit/probe_ledger.h"
#include "core/alert.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log_record.h"
#include "core/state_store.h"
#include "parse/sshd_event.h"

namespace sshd_health {

class AlertOutput;
class AuditScheduler;
class HostView;
class LogSource;
class Pipeline;
class RecordDedup;

class App {
 public:
  explicit App(DaemonOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  /// Runs the daemon until SIGTERM/SIGINT; returns the exit status. Throws ConfigError
  /// when the initial config or rules are bad (main turns that into exit 78).
  int Run();

 private:
  void LoadRuleMemory();
  void SaveRuleMemory(bool durable);
  class Sink;

  // The config as the daemon uses it: the file (or built-in default) plus --text's stdout
  // notifier. Throws ConfigError.
  std::unique_ptr<Config> LoadEffectiveConfig() const;
  bool ChooseStateDir(Config& config) const;
  // Loads config and rules, picks the state directory, builds the outputs. False when
  // no state directory is usable. Throws ConfigError.
  bool Init();
  // `replay`: at process start, re-read the logs of the last ReplayHorizon() first.
  void StartSources(bool replay);
  // How far back the rules can still care: the longest window + cooldown, bounded.
  Duration ReplayHorizon() const;
  // Once no source is replaying any more: expire as of now, log what the replay cost.
  void CheckReplayDone();
  void StopSources();
  void StartAudits();
  void StartMetrics();
  std::string RenderMetrics(bool process = true) const;
  // metrics.textfile: the /metrics text written atomically every kTextfileInterval and at
  // exit, for node_exporter's textfile collector.
  void ScheduleTextfile();
  void WriteTextfile();
  // Every loaded rule at 0 in sshd_health_alerts_total (app/alert_counts.h).
  void DeclareRuleAlerts();
  void OnRecord(int source_id, const LogRecord& record);
  void OnBatchDone();
  void WaitSignal();
  void Reload();
  void Shutdown();
  void ScheduleExpire();
  // sshd_health.logs_not_seen: hands the probes that reached sshd to logs_not_seen_ and
  // lets it fire, a few times per grace period.
  void ScheduleProbeLogCheck();
  // The rules' filter (Pipeline::OwnLineFilter): our probe's lines never reach them.
  bool IsOwnProbeLine(const SshdEvent& event);
  void ScheduleWatchdog();
  void ScheduleStatus();
  void SendStatus();
  std::string StatusLine() const;
  // What `sshd-health status` shows (app/status_snapshot.h), as of now.
  StatusSnapshot BuildStatusSnapshot() const;
  // Firing alerts of rules-engine rules are over once not told for this long.
  std::optional<Duration> FiringHorizon(const std::string& rule) const;
  void EmitReloadFailed(const std::string& error);
  // Runs `fn`, logging and counting anything it throws.
  template <typename Fn>
  void Guard(const char* what, Fn&& fn);

  DaemonOptions options_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer expire_timer_;
  boost::asio::steady_timer watchdog_timer_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer probe_log_timer_;
  boost::asio::steady_timer textfile_timer_;
  RealClock clock_;
  SystemdNotify notify_;
  std::unique_ptr<Config> config_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<AlertOutput> output_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<Pipeline> pipeline_;
  UnparsedLinesAlert unparsed_;  // sshd_health.unparsed_lines
  ProbeLedger probe_ledger_;     // the liveness probe's connections (audit thread writes)
  OwnProbeLines own_probe_lines_;
  LogsNotSeenAlert logs_not_seen_;  // sshd_health.logs_not_seen
  std::vector<std::unique_ptr<LogSource>> sources_;
  std::unique_ptr<RecordDedup> dedup_;
  std::unique_ptr<AuditScheduler> audits_;
  std::unique_ptr<HostView> host_;  // what the audits look at (RealHost)
  // What the pipeline saw, for the audits (app/recent_drops.h).
  RecentEventWindow drops_;                // MaxStartups drops
  RecentEventWindow grace_timeouts_;       // LoginGraceTime expiries
  std::atomic<bool> drops_seeded_{false};  // touched only by the audit thread
  std::unique_ptr<MetricsServer> metrics_;
  DaemonCounters counters_;
  FiringAlerts firing_;                    // for the status file
  std::optional<StatusAudit> last_audit_;  // the last audit run's results
  TimePoint started_at_{};
  StatusPublisher status_file_;
  AlertCounts alert_counts_;
  // Per origin host (metrics.host_label), decided at start for the process's life; null
  // when the counters carry no host.
  std::unique_ptr<HostCounts> host_counts_;
  // The last audit's status per check, for /metrics (io_context thread only).
  std::vector<std::pair<std::string, CheckStatus>> check_statuses_;
  bool textfile_failing_ = false;  // the last textfile write failed (said once)
  int sources_running_ = 0;
  bool status_pending_ = false;
  bool replaying_ = false;
  std::uint64_t saved_memory_version_ = 0;  // the rules' first_seen memory as last saved
  bool starting_sources_ = false;
  bool in_replay_record_ = false;  // the record being handled is a replayed one
  std::chrono::steady_clock::time_point replay_started_{};
  bool stopping_ = false;
};

}  // namespace sshd_health
