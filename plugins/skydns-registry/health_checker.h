// Runs the registrations' health checks on one control-plane thread of its
// own (never a DNS worker): every check on its own interval, the first
// after a random delay under a second and each next one with ±10 % jitter,
// so ten thousand instances registered together do not probe in step. At
// most kMaxInFlight checks run at once; the rest wait their turn.
//
// An instance's status is its worst check's last result, known once each
// check has run; until then it stays what the registry gave it (critical
// for new checks). Results are handed to the registry in batches, so a
// thousand instances turning healthy together publish a few snapshots, not
// a thousand.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <prometheus/metric_family.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "plugins/skydns-registry/health_share.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class HealthChecker {
 public:
  static constexpr size_t kMaxInFlight = 256;
  // With `share` (the etcd store), results are shared with the other
  // servers and the best fresh one decides (health_share.h).
  explicit HealthChecker(std::shared_ptr<Registry> registry, std::shared_ptr<HealthShare> share = nullptr);
  ~HealthChecker() { stop(); }
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Follows the registry's services with checks from now on.
  void start();
  // Stops following and running checks; in-flight ones are abandoned.
  void stop();
  // skycore_skydns_health_checks_total{result} and instances by status.
  void collect(std::vector<prometheus::MetricFamily>& out) const;
  // How many runs are scheduled (live ones and not yet dropped stale
  // ones), read on the checker's thread: for tests of its bound.
  size_t scheduled();

 private:
  using Clock = std::chrono::steady_clock;
  struct Instance {
    DetailsPtr details;
    uint64_t generation = 0;
    std::vector<Health> last;  // per check
    std::vector<bool> ran;
    std::optional<Health> local;  // the worst check, once each has run
  };
  struct Due {
    Clock::time_point at;
    std::string uuid;
    uint64_t generation;
    size_t check;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  // On the checker's thread from here on.
  void watch(const std::string& uuid, const EntryPtr& entry);
  void schedule(Due d);
  bool current(const Due& d) const;
  void maybe_compact();
  void compact();
  void arm();
  void run_due();
  void launch(Due d);
  asio::awaitable<void> probe(Due d, HealthCheck check);
  void finished(const Due& d, Health h);
  void flush();
  void remote_changed(const std::string& uuid);
  void publish(const std::string& uuid, const Instance& in);

  std::shared_ptr<Registry> registry_;
  std::shared_ptr<HealthShare> share_;
  asio::io_context io_;
  asio::steady_timer timer_{io_};
  asio::steady_timer flush_timer_{io_};
  bool flush_armed_ = false;
  std::unordered_map<std::string, Instance> instances_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due_;
  std::queue<Due> waiting_;  // due, but kMaxInFlight are running
  size_t in_flight_ = 0;
  size_t live_checks_ = 0;  // of instances_, each with one run due or running
  uint64_t next_generation_ = 1;
  std::vector<Registry::HealthResult> results_;
  std::minstd_rand rng_{std::random_device{}()};
  std::atomic<uint64_t> counted_[3]{};  // checks by result
  std::thread thread_;
  bool running_ = false;
};

}  // namespace skycore::plugins::skydns_registry
