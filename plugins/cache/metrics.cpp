#include "plugins/cache/cache.h"

namespace skycore::plugins::cache {

// CoreDNS's families and labels (server, type, zones; view is always empty).
void Cache::collect(std::vector<prometheus::MetricFamily>& out, const MetricLabels& labels) const {
  const CounterTotals c = store_.counters();
  const std::string& server = labels.server;
  const std::string& zones = labels.zones;
  auto entries = gauge_family("skycore_cache_entries", "The number of elements in the cache.");
  auto hits = counter_family("skycore_cache_hits_total", "The count of cache hits.");
  auto requests = counter_family("skycore_cache_requests_total", "The count of cache requests.");
  auto misses = counter_family("skycore_cache_misses_total", "The count of cache misses.");
  auto evictions = counter_family("skycore_cache_evictions_total", "The count of cache evictions.");
  auto prefetch = counter_family("skycore_cache_prefetch_total", "The number of times the cache has prefetched a cached item.");
  auto stale = counter_family("skycore_cache_served_stale_total", "The number of requests served from stale cache entries.");
  for (Kind k : {Kind::success, Kind::denial}) {
    size_t i = static_cast<size_t>(k);
    add_value(entries, {{"server", server}, {"type", kind_name(k)}, {"zones", zones}}, double(store_.entries(k)));
    // SERVFAIL entries count as denial, as CoreDNS files them.
    uint64_t h = c.hits[i] + (k == Kind::denial ? c.hits[2] : 0);
    add_value(hits, {{"server", server}, {"type", kind_name(k)}, {"zones", zones}}, double(h));
    add_value(evictions, {{"server", server}, {"type", kind_name(k)}, {"zones", zones}}, double(c.evictions[i]));
  }
  uint64_t all_hits = c.hits[0] + c.hits[1] + c.hits[2];
  add_value(requests, {{"server", server}, {"zones", zones}}, double(all_hits + c.misses));
  add_value(misses, {{"server", server}, {"zones", zones}}, double(c.misses));
  add_value(prefetch, {{"server", server}, {"zones", zones}}, double(c.prefetches));
  add_value(stale, {{"server", server}, {"zones", zones}}, double(c.stale));
  for (auto* f : {&entries, &hits, &requests, &misses, &evictions, &prefetch, &stale}) out.push_back(std::move(*f));
}

}  // namespace skycore::plugins::cache
