#include "core/server/server.h"

#include <sched.h>

#include <thread>

namespace skycore::server {

size_t usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

Server::Server(ServerPlan plan, size_t workers) : plan_(std::move(plan)) {
  size_t n = workers ? workers : usable_cpus();
  size_t per_worker_cap = (limits_.max_connections + n - 1) / n;
  for (size_t i = 0; i < n; ++i)
    workers_.push_back(std::make_unique<Worker>(static_cast<uint16_t>(i), limits_, per_worker_cap,
                                                plan_.worker_hooks));
}

Server::~Server() { stop(); }

void Server::prepare(const Server* previous) {
  for (size_t i = 0; i < workers_.size(); ++i) {
    const Worker* before = previous && i < previous->workers_.size() ? previous->workers_[i].get() : nullptr;
    workers_[i]->bind(plan_.listeners, before);
  }
  prepared_ = true;  // from here on the shutdown hooks must run, even if serve() never does
  for (auto& hook : plan_.on_startup) hook();
}

void Server::serve() {
  for (auto& w : workers_) w->start();
  running_ = true;
}

void Server::stop(bool lameduck) {
  if (running_ && lameduck) {
    plan_.shared->shutting_down = true;
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard lock(plan_.shared->mu);
      hooks = plan_.shared->before_shutdown;
    }
    for (auto& hook : hooks) hook();
  }
  shutdown();
}

void Server::drain_and_stop(std::chrono::milliseconds grace) {
  if (running_) {
    for (auto& w : workers_) w->begin_drain();
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      size_t busy = 0;
      for (auto& w : workers_) busy += w->in_flight();
      if (busy == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  shutdown();
}

void Server::shutdown() {
  if (!prepared_) return;
  prepared_ = false;
  running_ = false;
  for (auto& w : workers_) w->begin_stop();
  for (auto& w : workers_) w->join();
  for (auto& hook : plan_.on_shutdown) hook();
}

}  // namespace skycore::server
