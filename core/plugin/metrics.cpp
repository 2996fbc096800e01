#include "core/plugin/metrics.h"

#include <algorithm>

namespace skycore {

void MetricsHub::add(MetricsCollector c) {
  std::lock_guard lock(mu_);
  collectors_.emplace_back(building_, std::move(c));
}

void MetricsHub::add_persistent(MetricsCollector c) {
  std::lock_guard lock(mu_);
  collectors_.emplace_back(kPersistent, std::move(c));
}

void MetricsHub::set_generations(uint64_t active, uint64_t building) {
  std::lock_guard lock(mu_);
  active_ = active;
  building_ = building;
}

void MetricsHub::drop_generation(uint64_t g) {
  std::lock_guard lock(mu_);
  std::erase_if(collectors_, [g](const auto& c) { return c.first == g; });
}

namespace {
// What a replaced configuration still contributes: what it counted. Its
// gauges (entries held, plugin_enabled) describe a state that is gone.
void keep_counting_families(std::vector<prometheus::MetricFamily>& fs, size_t from) {
  auto gauge = [](const prometheus::MetricFamily& f) { return f.type == prometheus::MetricType::Gauge; };
  fs.erase(std::remove_if(fs.begin() + static_cast<std::ptrdiff_t>(from), fs.end(), gauge), fs.end());
}
}  // namespace

void MetricsHub::carry_retired() {
  std::lock_guard lock(mu_);
  std::vector<prometheus::MetricFamily> raw = std::move(carried_);
  for (const auto& [gen, c] : collectors_) {
    if (gen == kPersistent || gen >= active_) continue;
    size_t from = raw.size();
    c(raw);
    keep_counting_families(raw, from);
  }
  std::erase_if(collectors_, [this](const auto& c) { return c.first != kPersistent && c.first < active_; });
  carried_ = merge_families(std::move(raw));
}

std::vector<prometheus::MetricFamily> MetricsHub::collect() const {
  std::vector<prometheus::MetricFamily> raw;
  {
    std::lock_guard lock(mu_);
    raw = carried_;
    for (const auto& [gen, c] : collectors_) {
      if (gen == active_ || gen == kPersistent) {
        c(raw);
      } else if (gen < active_) {  // replaced, still draining
        size_t from = raw.size();
        c(raw);
        keep_counting_families(raw, from);
      }
    }
  }
  return merge_families(std::move(raw));
}

std::vector<prometheus::MetricFamily> merge_families(std::vector<prometheus::MetricFamily> raw) {
  std::vector<prometheus::MetricFamily> merged;
  std::map<std::string, size_t> index;
  for (auto& f : raw) {
    auto [it, fresh] = index.emplace(f.name, merged.size());
    if (fresh) {
      merged.push_back(std::move(f));
    } else {
      auto& into = merged[it->second].metric;
      into.insert(into.end(), std::make_move_iterator(f.metric.begin()),
                  std::make_move_iterator(f.metric.end()));
    }
  }
  for (auto& f : merged) sum_duplicate_series(f);
  return merged;
}

// Two blocks can report the same series (two caches on one listener, two
// forwards to one upstream); an exposition must not repeat a label set, so
// such series are added up.
void sum_duplicate_series(prometheus::MetricFamily& f) {
  std::vector<prometheus::ClientMetric> out;
  std::map<std::vector<prometheus::ClientMetric::Label>, size_t> seen;
  for (auto& m : f.metric) {
    auto [it, fresh] = seen.emplace(m.label, out.size());
    if (fresh) {
      out.push_back(std::move(m));
      continue;
    }
    auto& into = out[it->second];
    into.counter.value += m.counter.value;
    into.gauge.value += m.gauge.value;
    into.histogram.sample_count += m.histogram.sample_count;
    into.histogram.sample_sum += m.histogram.sample_sum;
    for (size_t i = 0; i < into.histogram.bucket.size() && i < m.histogram.bucket.size(); ++i)
      into.histogram.bucket[i].cumulative_count += m.histogram.bucket[i].cumulative_count;
  }
  f.metric = std::move(out);
}

prometheus::MetricFamily counter_family(std::string name, std::string help) {
  return {std::move(name), std::move(help), prometheus::MetricType::Counter, {}};
}
prometheus::MetricFamily gauge_family(std::string name, std::string help) {
  return {std::move(name), std::move(help), prometheus::MetricType::Gauge, {}};
}
prometheus::MetricFamily histogram_family(std::string name, std::string help) {
  return {std::move(name), std::move(help), prometheus::MetricType::Histogram, {}};
}

void add_value(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
               double value) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (f.type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

void add_histogram(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels,
                   const std::vector<double>& bounds, const std::vector<uint64_t>& counts, double sum) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += i < counts.size() ? counts[i] : 0;
    prometheus::ClientMetric::Bucket b;
    b.cumulative_count = cumulative;
    b.upper_bound = i < bounds.size() ? bounds[i] : std::numeric_limits<double>::infinity();
    m.histogram.bucket.push_back(b);
  }
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum;
  f.metric.push_back(std::move(m));
}

}  // namespace skycore
