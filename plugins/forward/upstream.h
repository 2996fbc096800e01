// State one upstream shares across workers: its health, as lock-free
// atomics, and the counters the metrics plugin will read.
#pragma once
#include <atomic>
#include <cstdint>

#include "core/plugin/per_worker.h"
#include "plugins/forward/config.h"

namespace skycore::plugins::forward {

// One per worker, plus one for the health checker's thread (health_slot):
// every slot has a single writer (per_worker.h); metrics sum them.
struct UpstreamCounters {
  WorkerCounter requests;
  WorkerCounter rcodes[24];             // responses by rcode
  WorkerCounter duration_us;            // sum
  WorkerCounter duration_buckets[17];   // 0.25 ms doubling to 8.192 s, +Inf
  WorkerCounter failures;               // timeouts and network errors
  WorkerCounter spoofed;                // replies dropped as not matching
  WorkerCounter healthcheck_failures;
  WorkerCounter busy;  // passed over at max_concurrent_per_upstream
};

struct Upstream {
  Upstream(UpstreamAddress a, size_t workers) : address(std::move(a)), counters(workers + 1), health_slot(uint16_t(workers)) {}
  UpstreamAddress address;
  std::atomic<int> fails{0};     // consecutive failures
  std::atomic<bool> down{false};  // set after max_fails; cleared by a probe or a success
  std::atomic<uint32_t> in_flight{0};  // counted only with max_concurrent_per_upstream
  PerWorker<UpstreamCounters> counters;
  uint16_t health_slot;  // the health checker's counters
  uint64_t total(WorkerCounter UpstreamCounters::*field) const {
    return counters.sum([field](const UpstreamCounters& c) { return (c.*field).get(); });
  }
};

}  // namespace skycore::plugins::forward
