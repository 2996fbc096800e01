#include "plugins/cache/cache.h"

namespace skycore::plugins::cache {

void Cache::collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const {
  const CounterTotals c = store_.counters();
  auto entries = gauge_family("skycore_cache_entries", "The number of elements in the cache.");
  auto hits = counter_family("skycore_cache_hits_total", "The count of cache hits.");
  auto misses = counter_family("skycore_cache_misses_total", "The count of cache misses.");
  auto evictions = counter_family("skycore_cache_evictions_total", "The count of cache evictions.");
  auto prefetch = counter_family("skycore_cache_prefetch_total", "The number of times the cache has prefetched a cached item.");
  auto stale = counter_family("skycore_cache_served_stale_total", "The number of requests served from stale cache entries.");
  for (Kind k : {Kind::success, Kind::denial}) {
    size_t i = static_cast<size_t>(k);
    add_value(entries, {{"server", server}, {"type", kind_name(k)}}, double(store_.entries(k)));
    // SERVFAIL entries count as denial, as CoreDNS files them.
    uint64_t h = c.hits[i] + (k == Kind::denial ? c.hits[2] : 0);
    add_value(hits, {{"server", server}, {"type", kind_name(k)}}, double(h));
    add_value(evictions, {{"server", server}, {"type", kind_name(k)}}, double(c.evictions[i]));
  }
  add_value(misses, {{"server", server}}, double(c.misses));
  add_value(prefetch, {{"server", server}}, double(c.prefetches));
  add_value(stale, {{"server", server}}, double(c.stale));
  for (auto* f : {&entries, &hits, &misses, &evictions, &prefetch, &stale}) out.push_back(std::move(*f));
}

}  // namespace skycore::plugins::cache
