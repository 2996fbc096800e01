#include <fmt/format.h>

#include "core/corefile/duration.h"
#include "core/plugin/setup.h"

namespace skycore::plugins::reload {

// Syntax: reload [INTERVAL [JITTER]]   (defaults 30s and 15s, as CoreDNS)
// Only sets the process's reload check; the check itself runs in the core
// (core/app/reloader), and SIGUSR1 reloads with or without this directive.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  ProcessSettings s;
  s.reload = true;
  while (c.next()) {
    auto args = c.remaining_args();
    if (args.size() > 2) throw c.arg_err();
    if (!args.empty()) {
      auto d = corefile::parse_duration(args[0]);
      // CoreDNS's minimum interval is 2s and the jitter must be below half of it.
      if (!d || *d < std::chrono::seconds(2))
        throw c.err(fmt::format("reload: interval '{}': want a duration of at least 2s", args[0]));
      s.reload_interval = *d;
      s.reload_jitter = *d / 2;
    }
    if (args.size() == 2) {
      auto j = corefile::parse_duration(args[1]);
      if (!j || *j < std::chrono::seconds(1) || *j > s.reload_interval / 2)
        throw c.err(fmt::format("reload: jitter '{}': want at least 1s and at most half the interval", args[1]));
      s.reload_jitter = *j;
    }
    if (c.next_block()) throw c.unknown_property();
  }
  if (ctx.process) *ctx.process = s;
  return nullptr;
}

}  // namespace skycore::plugins::reload
