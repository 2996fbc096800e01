// State one upstream shares across workers: its health, as lock-free
// atomics, and the counters the metrics plugin will read.
#pragma once
#include <atomic>
#include <cstdint>

#include "plugins/forward/config.h"

namespace skycore::plugins::forward {

struct UpstreamCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rcodes[24]{};     // responses by rcode
  std::atomic<uint64_t> duration_us{0};   // sum
  std::atomic<uint64_t> duration_buckets[17]{};  // 0.25 ms doubling to 8.192 s, +Inf
  std::atomic<uint64_t> failures{0};      // timeouts and network errors
  std::atomic<uint64_t> spoofed{0};       // replies dropped as not matching
  std::atomic<uint64_t> healthcheck_failures{0};
};

struct Upstream {
  explicit Upstream(UpstreamAddress a) : address(std::move(a)) {}
  UpstreamAddress address;
  std::atomic<int> fails{0};     // consecutive failures
  std::atomic<bool> down{false};  // set after max_fails; cleared by a probe or a success
  UpstreamCounters counters;
};

}  // namespace skycore::plugins::forward
