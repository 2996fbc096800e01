#include "core/plugin/metrics.h"
#include "core/plugin/setup.h"
#include "plugins/local/local.h"

namespace skycore::plugins::local {

// Syntax: local [{ localhost_prefix on|off }]   (once per server block)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  bool prefix = true;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() != "localhost_prefix") throw c.unknown_property();
      if (!c.next_arg()) throw c.arg_err();
      if (c.val() == "on") prefix = true;
      else if (c.val() == "off") prefix = false;
      else throw c.err("local: localhost_prefix takes on or off, not '" + c.val() + "'");
      if (c.next_arg()) throw c.arg_err();
    }
  }
  auto plugin = std::make_unique<Local>(prefix, ctx.workers);
  if (ctx.shared) {
    const Local* p = plugin.get();
    ctx.shared->metrics.add([p](std::vector<prometheus::MetricFamily>& out) {
      auto f = counter_family("skycore_local_localhost_requests_total",
                              "Counter of localhost.<domain> and <name>.localhost. requests.");
      add_value(f, {}, double(p->localhost_requests()));
      out.push_back(std::move(f));
    });
  }
  return plugin;
}

}  // namespace skycore::plugins::local
