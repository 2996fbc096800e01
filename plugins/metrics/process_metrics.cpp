#include "plugins/metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/plugin/metrics.h"

namespace skycore::plugins::metrics {
namespace {

struct Stat {
  double utime = 0, stime = 0, starttime = 0, vsize = 0, rss_pages = 0;
  bool ok = false;
};

// /proc/self/stat: the command may hold spaces and parentheses, so the
// fields are counted from the last ')'. Fields 14/15 are user/system
// ticks, 22 the start in ticks since boot, 23 vsize bytes, 24 RSS pages.
Stat read_stat() {
  Stat s;
  std::ifstream in("/proc/self/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = all.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream fields(all.substr(close + 2));
  std::string f;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) s.utime = std::stod(f);
    else if (i == 15) s.stime = std::stod(f);
    else if (i == 22) s.starttime = std::stod(f);
    else if (i == 23) s.vsize = std::stod(f);
    else if (i == 24) {
      s.rss_pages = std::stod(f);
      s.ok = true;
      break;
    }
  }
  return s;
}

double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

double open_fds() {
  std::error_code ec;
  double n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n > 0 ? n - 1 : 0;  // less the descriptor that lists the directory
}

}  // namespace

void collect_process_metrics(std::vector<prometheus::MetricFamily>& out) {
  Stat s = read_stat();
  if (!s.ok) return;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  auto cpu = counter_family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
  add_value(cpu, {}, (s.utime + s.stime) / tick);
  out.push_back(std::move(cpu));
  auto gauge = [&](const char* name, const char* help, double v) {
    auto f = gauge_family(name, help);
    add_value(f, {}, v);
    out.push_back(std::move(f));
  };
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", s.rss_pages * page);
  gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", s.vsize);
  gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
        boot_time() + s.starttime / tick);
  gauge("process_open_fds", "Number of open file descriptors.", open_fds());
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0)
    gauge("process_max_fds", "Maximum number of open file descriptors.", static_cast<double>(lim.rlim_cur));
}

}  // namespace skycore::plugins::metrics
