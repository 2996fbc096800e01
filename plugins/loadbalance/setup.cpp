#include <fmt/format.h>

#include "core/plugin/setup.h"
#include "plugins/loadbalance/loadbalance.h"

namespace skycore::plugins::loadbalance {

// Syntax: loadbalance [round_robin]
// (CoreDNS's `weighted` policy, which reads a weights file, is not supported.)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next()) {
    auto args = c.remaining_args();
    if (!args.empty() && args[0] != "round_robin")
      throw c.err(fmt::format("loadbalance: unknown policy '{}' (only round_robin; weighted is not supported)", args[0]));
    if (args.size() > 1) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  return std::make_unique<Loadbalance>(ctx.workers);
}

}  // namespace skycore::plugins::loadbalance
