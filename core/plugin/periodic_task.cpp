#include "core/plugin/periodic_task.h"

#include "core/plugin/plugin_log.h"

namespace skycore {

void PeriodicTask::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    auto run = [this] {
      try {
        job_();
      } catch (const std::exception& e) {
        plugin_log(plugin_, LogLevel::error, "{}", e.what());
      }
    };
    if (interval_.count() == 0) return run();
    while (sleep_for(interval_)) run();
  });
}

bool PeriodicTask::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace skycore
