#include "core/plugin/setup.h"
#include "plugins/cache/cache.h"

namespace skycore::plugins::cache {

// Syntax: cache [TTL] [ZONES...] { success CAPACITY [TTL] [MINTTL];
//   denial CAPACITY [TTL] [MINTTL]; prefetch AMOUNT [DURATION] [PERCENTAGE%];
//   serve_stale [DURATION] [immediate|verify]; servfail DURATION;
//   disable success|denial [ZONES...]; keepttl }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  Config cfg = parse_config(ctx.cursor, ctx.zones());
  // CoreDNS's `zones` label: the zones the cache serves, joined with commas.
  std::vector<std::string> served = ctx.zones();
  if (!cfg.zones.empty()) {
    served.clear();
    for (const auto& z : cfg.zones) served.push_back(z.to_text());
  }
  std::string zones;
  for (const auto& z : served) {
    if (!zones.empty()) zones += ',';
    zones += z;
  }
  auto cache = std::make_unique<Cache>(std::move(cfg), ctx.workers);
  if (ctx.shared && !ctx.block.keys.empty()) {
    Cache::MetricLabels labels{ctx.server_label(), zones};
    Cache* c = cache.get();
    ctx.shared->metrics.add([c, labels](std::vector<prometheus::MetricFamily>& out) { c->collect(out, labels); });
  }
  return cache;
}

}  // namespace skycore::plugins::cache
