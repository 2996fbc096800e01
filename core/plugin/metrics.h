// How plugins publish what they count. A plugin keeps its own counters
// (per-worker or relaxed atomics, never a lock on the query path) and
// registers a collector at setup; the metrics plugin, when configured, calls
// every collector on each scrape. Families with the same name from several
// server blocks are merged, so each name appears once in the exposition.
#pragma once
#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace skycore {

using MetricsCollector = std::function<void(std::vector<prometheus::MetricFamily>&)>;

// Collectors belong to a configuration generation: a reload registers the
// new configuration's collectors aside and switches to them in one step
// (SharedServices::commit_generation), so a scrape never sees a half-built
// set. Persistent collectors (build_info, reload counters) stay for the
// process's life.
//
// Counters survive a reload, as CoreDNS's (global) ones do: once a newer
// configuration is active, an older one's collectors still report their
// counters and histograms (not their gauges) while its server drains, and
// carry_retired() then takes their last values into a carried total that
// every later scrape adds to the active configuration's own.
class MetricsHub {
 public:
  void add(MetricsCollector c);             // to the generation being built
  void add_persistent(MetricsCollector c);  // to every generation
  // Everything the active generation's collectors report, one family per name.
  std::vector<prometheus::MetricFamily> collect() const;

  void set_generations(uint64_t active, uint64_t building);
  // Drops the collectors of generation `g` without carrying them (a
  // configuration that failed to start counted nothing).
  void drop_generation(uint64_t g);
  // Asks the collectors of generations older than the active one a last
  // time, adds their counters and histograms to the carried totals and
  // drops them. Call after their server stopped and before its plugins go.
  void carry_retired();

 private:
  static constexpr uint64_t kPersistent = ~0ull;
  mutable std::mutex mu_;  // scrape/setup only, never the data path
  std::vector<std::pair<uint64_t, MetricsCollector>> collectors_;
  std::vector<prometheus::MetricFamily> carried_;  // merged, one family per name
  uint64_t active_ = 0, building_ = 0;
};

// Adds up series of `f` that have the same labels.
void sum_duplicate_series(prometheus::MetricFamily& f);
// One family per name (series of same-named families joined), duplicates summed.
std::vector<prometheus::MetricFamily> merge_families(std::vector<prometheus::MetricFamily> raw);

// Small builders for collectors.
prometheus::MetricFamily counter_family(std::string name, std::string help);
prometheus::MetricFamily gauge_family(std::string name, std::string help);
prometheus::MetricFamily histogram_family(std::string name, std::string help);
void add_value(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
               double value);
// `counts[i]` observations fell in bucket i (upper bound `bounds[i]`), the
// last one (+Inf) in counts[bounds.size()].
void add_histogram(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
                   const std::vector<double>& bounds, const std::vector<uint64_t>& counts, double sum);

}  // namespace skycore
