// A control-plane job run every `interval` on a thread of its own until
// stop() (or destruction): the hosts file watcher, the registry's upkeep,
// the loop plugin's probe. stop() wakes a waiting task at once; an exception
// from the job is logged under the plugin's name and the task keeps running
// (out of memory while parsing a file must not stop the watcher for good).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace skycore {

class PeriodicTask {
 public:
  PeriodicTask(std::string plugin, std::chrono::milliseconds interval, std::function<void()> job)
      : plugin_(std::move(plugin)), interval_(interval), job_(std::move(job)) {}
  ~PeriodicTask() { stop(); }
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  // Runs the job after each interval (not at once); an interval of 0 runs it
  // once, at once (a one-shot job that may sleep_for() within). No-op if
  // running.
  void start();
  void stop();
  // Waits up to `d` or until stop(); false if stopping. For a job that
  // pauses within a run (a probe between attempts).
  bool sleep_for(std::chrono::milliseconds d);

 private:
  const std::string plugin_;
  const std::chrono::milliseconds interval_;
  const std::function<void()> job_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace skycore
