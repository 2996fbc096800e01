// forward: sends queries for names under FROM to upstream resolvers and
// relays their answers (CoreDNS's forward plugin). Each worker talks to the
// upstreams over its own sockets; health is shared through atomics; a
// control thread probes upstreams that went down.
#pragma once
#include <asio/ssl/context.hpp>
#include <atomic>
#include <memory>
#include <vector>

#include "core/plugin/metrics.h"
#include "core/plugin/plugin.h"
#include "plugins/forward/coalescer.h"
#include "plugins/forward/config.h"
#include "plugins/forward/health_checker.h"
#include "plugins/forward/upstream.h"
#include "plugins/forward/worker_state.h"

namespace skycore::plugins::forward {

class Forward final : public Plugin {
 public:
  Forward(Config cfg, size_t workers);
  ~Forward() override;
  std::string_view name() const override { return "forward"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  void worker_started(uint16_t worker, asio::any_io_executor ex);
  void worker_stopping(uint16_t worker);
  void start_health_checks() { health_.start(); }
  void stop_health_checks() { health_.stop(); }

  const Config& config() const { return cfg_; }
  const std::vector<std::unique_ptr<Upstream>>& upstreams() const { return upstreams_; }
  uint64_t max_concurrent_rejects() const { return rejects_.sum([](const WorkerCounter& c) { return c.get(); }); }
  // Queries that found every upstream down (sent to one at random, or
  // refused with failfast_all_unhealthy_upstreams).
  uint64_t healthcheck_broken() const { return broken_.sum([](const WorkerCounter& c) { return c.get(); }); }
  // Queries that waited for an identical query already in flight instead
  // of asking themselves (counted as they join).
  uint64_t coalesced() const { return coalesced_.sum([](const WorkerCounter& c) { return c.get(); }); }
  // Queries in flight over every worker (each worker counts its own).
  uint64_t in_flight() const { return in_flight_.sum([](const WorkerCounter& c) { return c.get(); }); }
  void collect(std::vector<prometheus::MetricFamily>& out) const;

 private:
  bool should_forward(const wire::Name& qname_lower) const;
  // Upstream indexes in the order to try them (policy; only healthy ones,
  // or one at random when none is, or none with failfast).
  size_t order(WorkerState& ws, std::array<uint8_t, 16>& out, uint16_t worker) const;
  asio::awaitable<ExchangeResult> attempt(WorkerState& ws, size_t upstream, bool use_stream,
                                          Request& req, std::span<uint8_t> query,
                                          std::vector<uint8_t>& big, Clock::time_point deadline);
  void record_failure(Upstream& u, uint16_t worker);
  void record_success(Upstream& u);
  // Waits for the leader of an identical question; true with its answer written as ours.
  asio::awaitable<bool> follow(Request& req, Coalescer::Follower& f, int slot, Clock::time_point deadline);

  Config cfg_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Upstream>> upstreams_;
  std::vector<std::unique_ptr<WorkerState>> workers_;
  HealthChecker health_;
  PerWorker<WorkerCounter> in_flight_;
  PerWorker<WorkerCounter> rejects_;
  mutable PerWorker<WorkerCounter> broken_;
  PerWorker<WorkerCounter> coalesced_;
  Coalescer coalescer_;
};

}  // namespace skycore::plugins::forward
