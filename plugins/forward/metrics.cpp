#include "core/wire/types.h"
#include "plugins/forward/forward.h"

namespace skycore::plugins::forward {

// skycore_forward_* families, CoreDNS's forward metrics with our prefix.
void Forward::collect(std::vector<prometheus::MetricFamily>& out) const {
  auto requests = counter_family("skycore_forward_requests_total", "Counter of requests made per upstream.");
  auto responses = counter_family("skycore_forward_responses_total", "Counter of responses received per upstream.");
  auto duration = histogram_family("skycore_forward_request_duration_seconds", "Histogram of the time each request took.");
  auto hc = counter_family("skycore_forward_healthcheck_failures_total", "Counter of the number of failed healthchecks.");
  auto spoofed = counter_family("skycore_forward_spoofed_responses_total", "Counter of replies dropped because ID, source or question did not match.");
  auto rejects = counter_family("skycore_forward_max_concurrent_rejects_total", "Counter of the number of queries rejected because the concurrent queries were at maximum.");
  std::vector<double> bounds;
  for (int i = 0; i < 16; ++i) bounds.push_back(0.00025 * double(1u << i));
  for (const auto& u : upstreams_) {
    const auto& c = u->counters;
    const std::string& to = u->address.label;
    add_value(requests, {{"to", to}}, double(c.requests.load()));
    for (uint16_t rc = 0; rc < 24; ++rc)
      if (uint64_t n = c.rcodes[rc].load()) {
        const char* name = wire::rcode_name(rc);
        add_value(responses, {{"to", to}, {"rcode", name ? name : wire::rcode_to_string(rc)}}, double(n));
      }
    std::vector<uint64_t> counts;
    for (const auto& b : c.duration_buckets) counts.push_back(b.load());
    add_histogram(duration, {{"to", to}}, bounds, counts, double(c.duration_us.load()) / 1e6);
    add_value(hc, {{"to", to}}, double(c.healthcheck_failures.load()));
    add_value(spoofed, {{"to", to}}, double(c.spoofed.load()));
  }
  add_value(rejects, {}, double(max_concurrent_rejects()));
  for (auto* f : {&requests, &responses, &duration, &hc, &spoofed, &rejects}) out.push_back(std::move(*f));
}

}  // namespace skycore::plugins::forward
