// erratic: a plugin for testing clients and the server (CoreDNS's erratic):
// answers A/AAAA for any name, and drops, truncates or delays every Nth
// query. It reports ready only while it has seen 3 or 4 queries, so tests
// can watch the ready plugin flip both ways.
#pragma once
#include <atomic>
#include <chrono>

#include "core/plugin/plugin.h"

namespace skycore::plugins::erratic {

struct Config {
  uint64_t drop = 0;      // drop every Nth query (0: never)
  uint64_t truncate = 0;  // answer every Nth with TC and no records
  uint64_t delay = 0;     // delay every Nth by `delay_for`
  std::chrono::milliseconds delay_for{100};
};

class Erratic final : public Plugin {
 public:
  explicit Erratic(Config cfg) : cfg_(cfg) {}
  std::string_view name() const override { return "erratic"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  bool ready() const {
    uint64_t q = queries_.load(std::memory_order_relaxed);
    return q >= 3 && q < 5;
  }

 private:
  Config cfg_;
  std::atomic<uint64_t> queries_{0};
};

}  // namespace skycore::plugins::erratic
