// `metrics { names coredns }`: the exposition under CoreDNS's names, so
// dashboards and alerts written for CoreDNS (the coredns-mixin that
// kube-prometheus-stack ships) work unchanged. Labels and buckets are
// already CoreDNS's; what changes is the prefix, plus the forward families
// under both of CoreDNS's spellings: coredns_forward_* (up to 1.10, what
// the mixin queries) and coredns_proxy_*{proxy_name="forward"} (1.11 on).
#pragma once
#include <prometheus/metric_family.h>

#include <vector>

namespace skycore::plugins::metrics {

enum class MetricNames { skycore, coredns };

// Renames skycore_* families to coredns_* and adds the coredns_proxy_*
// copies of forward's duration and health-check families.
std::vector<prometheus::MetricFamily> coredns_names(std::vector<prometheus::MetricFamily> families);

}  // namespace skycore::plugins::metrics
