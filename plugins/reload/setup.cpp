#include <fmt/format.h>

#include "core/corefile/bounded_args.h"
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
      // CoreDNS's minimum interval is 2s and the jitter must be below half of it.
      s.reload_interval = corefile::bounded_duration(c, "reload: interval", args[0], std::chrono::seconds(2));
      s.reload_jitter = s.reload_interval / 2;
    }
    if (args.size() == 2) {
      s.reload_jitter = corefile::bounded_duration(c, "reload: jitter", args[1], std::chrono::seconds(1),
                                                   s.reload_interval / 2);
    }
    if (c.next_block()) throw c.unknown_property();
  }
  if (ctx.process) *ctx.process = s;
  return nullptr;
}

}  // namespace skycore::plugins::reload
