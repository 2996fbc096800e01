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
  auto broken = counter_family("skycore_forward_healthcheck_broken_total", "Counter of the number of complete failures of the healthchecks.");
  auto coalesced = counter_family("skycore_forward_coalesced_total", "Counter of queries that waited for an identical query already in flight instead of asking upstream themselves.");
  auto busy = counter_family("skycore_forward_upstream_busy_total", "Counter of queries that passed an upstream over because it had max_concurrent_per_upstream queries in flight.");
  std::vector<double> bounds;
  for (int i = 0; i < 16; ++i) bounds.push_back(0.00025 * double(1u << i));
  for (const auto& u : upstreams_) {
    auto total = [&](auto field) { return double(u->total(field)); };
    const std::string& to = u->address.label;
    add_value(requests, {{"to", to}}, total(&UpstreamCounters::requests));
    for (uint16_t rc = 0; rc < 24; ++rc)
      if (uint64_t n = u->counters.sum([rc](const UpstreamCounters& c) { return c.rcodes[rc].get(); })) {
        const char* name = wire::rcode_name(rc);
        add_value(responses, {{"to", to}, {"rcode", name ? name : wire::rcode_to_string(rc)}}, double(n));
      }
    std::vector<uint64_t> counts;
    for (size_t b = 0; b < 17; ++b)
      counts.push_back(u->counters.sum([b](const UpstreamCounters& c) { return c.duration_buckets[b].get(); }));
    add_histogram(duration, {{"to", to}}, bounds, counts, total(&UpstreamCounters::duration_us) / 1e6);
    add_value(hc, {{"to", to}}, total(&UpstreamCounters::healthcheck_failures));
    add_value(spoofed, {{"to", to}}, total(&UpstreamCounters::spoofed));
    add_value(busy, {{"to", to}}, total(&UpstreamCounters::busy));
  }
  add_value(rejects, {}, double(max_concurrent_rejects()));
  add_value(broken, {}, double(healthcheck_broken()));
  add_value(coalesced, {}, double(this->coalesced()));
  for (auto* f : {&requests, &responses, &duration, &hc, &spoofed, &rejects, &broken, &coalesced, &busy}) out.push_back(std::move(*f));
}

}  // namespace skycore::plugins::forward
