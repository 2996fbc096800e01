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

class MetricsHub {
 public:
  void add(MetricsCollector c);
  // Everything the collectors report, one family per name.
  std::vector<prometheus::MetricFamily> collect() const;

 private:
  mutable std::mutex mu_;  // scrape/setup only, never the data path
  std::vector<MetricsCollector> collectors_;
};

// Adds up series of `f` that have the same labels.
void sum_duplicate_series(prometheus::MetricFamily& f);

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
