// metrics: counts every query that passes through its server block and
// publishes the counts, with every other plugin's, in the Prometheus text
// format (CoreDNS's prometheus plugin, `skycore_` prefix).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/metrics.h"
#include "core/plugin/plugin.h"
#include "plugins/metrics/dns_stats.h"

namespace skycore::plugins::metrics {

class Metrics final : public Plugin, private ResponseObserver {
 public:
  explicit Metrics(size_t workers);
  std::string_view name() const override { return "metrics"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // Adds this block's DNS families to `out` (called on scrape).
  void collect(std::vector<prometheus::MetricFamily>& out) const;

 private:
  // The finished response (response_observer.h): what the client got.
  void finished(const Request& req, const Result& r, const Finished& f) override;
  std::vector<std::unique_ptr<WorkerStats>> workers_;
};

}  // namespace skycore::plugins::metrics
