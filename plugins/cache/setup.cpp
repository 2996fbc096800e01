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
    const auto& addrs = ctx.settings.bind_addresses;
    std::string server = listener_label(addrs.empty() ? std::string() : addrs.front(),
                                        static_cast<uint16_t>(std::stoi(ctx.block.keys.front().port)));
    Cache* c = cache.get();
    ctx.shared->metrics.add([c, server](std::vector<prometheus::MetricFamily>& out) { c->collect(out, server); });
  }
  return cache;
}

}  // namespace skycore::plugins::cache
