#include "core/server/server.h"

#include <sched.h>

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

void Server::start() {
  for (auto& w : workers_) w->bind(plan_.listeners);
  for (auto& hook : plan_.on_startup) hook();
  for (auto& w : workers_) w->start();
  running_ = true;
}

void Server::stop() {
  if (!running_) return;
  running_ = false;
  for (auto& hook : plan_.shared->before_shutdown) hook();
  for (auto& w : workers_) w->begin_stop();
  for (auto& w : workers_) w->join();
  for (auto& hook : plan_.on_shutdown) hook();
}

}  // namespace skycore::server
