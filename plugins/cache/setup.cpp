#include "core/plugin/setup.h"
#include "plugins/cache/cache.h"

namespace skycore::plugins::cache {

// Syntax: cache [TTL] [ZONES...] { success CAPACITY [TTL] [MINTTL];
//   denial CAPACITY [TTL] [MINTTL]; prefetch AMOUNT [DURATION] [PERCENTAGE%];
//   serve_stale [DURATION] [immediate|verify]; servfail DURATION;
//   disable success|denial [ZONES...]; keepttl }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto cache = std::make_unique<Cache>(parse_config(ctx.cursor, ctx.zones()), ctx.workers);
  if (ctx.shared && !ctx.block.keys.empty()) {
    std::string server = ctx.server_label();
    Cache* c = cache.get();
    ctx.shared->metrics.add([c, server](std::vector<prometheus::MetricFamily>& out) { c->collect(out, server); });
  }
  return cache;
}

}  // namespace skycore::plugins::cache
