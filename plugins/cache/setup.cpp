#include "core/plugin/setup.h"
#include "plugins/cache/cache.h"

namespace skycore::plugins::cache {

// Syntax: cache [TTL] [ZONES...] { success CAPACITY [TTL] [MINTTL];
//   denial CAPACITY [TTL] [MINTTL]; prefetch AMOUNT [DURATION] [PERCENTAGE%];
//   serve_stale [DURATION] [immediate|verify]; servfail DURATION;
//   disable success|denial [ZONES...]; keepttl }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  return std::make_unique<Cache>(parse_config(ctx.cursor, ctx.zones()));
}

}  // namespace skycore::plugins::cache
