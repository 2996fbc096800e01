// The HTTP side of metrics: one Prometheus endpoint (GET /metrics) per
// address per process, whatever number of server blocks ask for it.
#pragma once
#include <string>

#include "core/plugin/setup.h"
#include "plugins/metrics/coredns_names.h"

namespace skycore::plugins::metrics {

// Starts the endpoint for `addr` unless this configuration already has one,
// and has it serve `names` from now on (a reload may change them; the
// listener stays). Throws std::runtime_error when it cannot listen.
void ensure_endpoint(SharedServices& shared, const std::string& addr, MetricNames names);

}  // namespace skycore::plugins::metrics
