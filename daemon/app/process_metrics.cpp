#include "app/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sshd_health {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MetricFamily One(const char* name, MetricType type, const char* help, double value) {
  MetricFamily f{.name = name, .type = type, .help = help};
  f.Set(value);
  return f;
}

}  // namespace

std::vector<MetricFamily> ProcessMetrics(const std::string& proc_self,
                                         const std::string& proc_stat) {
  std::vector<MetricFamily> out;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // proc(5) stat: "pid (comm) state ppid ..."; comm may hold spaces and ')', so the
  // fields are counted from the last ')'. After it: field 3 (state) onwards.
  const std::string stat = Slurp(proc_self + "/stat");
  const auto close = stat.rfind(')');
  if (close != std::string::npos && ticks > 0) {
    std::istringstream fields(stat.substr(close + 1));
    std::vector<std::string> f;
    for (std::string s; fields >> s;) f.push_back(s);
    // f[0] is field 3: utime is field 14 -> f[11], stime f[12], starttime (22) f[19],
    // vsize (23) f[20], rss in pages (24) f[21].
    if (f.size() > 21) {
      try {
        out.push_back(One("process_cpu_seconds_total", MetricType::kCounter,
                          "Total user and system CPU time spent in seconds.",
                          (std::stod(f[11]) + std::stod(f[12])) / ticks));
        out.push_back(One("process_virtual_memory_bytes", MetricType::kGauge,
                          "Virtual memory size in bytes.", std::stod(f[20])));
        out.push_back(One("process_resident_memory_bytes", MetricType::kGauge,
                          "Resident memory size in bytes.", std::stod(f[21]) * page));
        // starttime counts ticks since boot; /proc/stat's btime is boot in Unix seconds.
        std::istringstream st(Slurp(proc_stat));
        for (std::string line; std::getline(st, line);) {
          if (line.rfind("btime ", 0) == 0) {
            out.push_back(One("process_start_time_seconds", MetricType::kGauge,
                              "Start time of the process since unix epoch in seconds.",
                              std::stod(line.substr(6)) + std::stod(f[19]) / ticks));
            break;
          }
        }
      } catch (const std::exception&) {
        // A kernel with another stat layout: leave the figures out rather than guess.
      }
    }
  }
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it(proc_self + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (!ec) {
    // The iterator's own descriptor is counted too when proc_self is this process; it is
    // closed again by now, so one less is the figure a scrape would see without us.
    if (proc_self == "/proc/self" && fds > 0) --fds;
    out.push_back(
        One("process_open_fds", MetricType::kGauge, "Number of open file descriptors.", fds));
  }
  rlimit limit{};
  if (proc_self == "/proc/self" && ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.push_back(
        One("process_max_fds", MetricType::kGauge, "Maximum number of open file descriptors.",
            limit.rlim_cur == RLIM_INFINITY ? -1.0 : static_cast<double>(limit.rlim_cur)));
  }
  return out;
}

}  // namespace sshd_health
