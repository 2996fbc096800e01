// The process_* families every Prometheus client library exports (client_golang's
// process collector, which CoreDNS serves): dashboards built for CoreDNS,
// the coredns-mixin's among them, chart memory and CPU from these names.
#pragma once
#include <prometheus/metric_family.h>

#include <vector>

namespace skycore::plugins::metrics {

// Appends process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds,
// process_open_fds and process_max_fds, read from /proc/self at the scrape.
void collect_process_metrics(std::vector<prometheus::MetricFamily>& out);

}  // namespace skycore::plugins::metrics
