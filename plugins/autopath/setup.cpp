#include <fmt/format.h>

#include "core/plugin/metrics.h"
#include "core/plugin/plugin_log.h"
#include "core/plugin/resolv_conf.h"
#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "plugins/autopath/autopath.h"

namespace skycore::plugins::autopath {

// Syntax: autopath [ZONE...] RESOLV-CONF, where RESOLV-CONF is a file with
// a `search` line or @PLUGIN (a plugin of the block that knows each
// client's search list: @kubernetes).
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  if (!c.next_once()) throw c.arg_err();
  auto args = c.remaining_args();
  if (args.empty()) throw c.arg_err();
  const std::string resolv = args.back();
  args.pop_back();
  auto zones = args.empty() ? block_zones(ctx) : zone_args(c, "autopath", args);

  SearchPath fixed;
  std::string source;
  if (resolv[0] == '@') {
    source = resolv.substr(1);
    if (source != "kubernetes")
      throw c.err(fmt::format("autopath: {} plugin has no autopath func", source.empty() ? "''" : source));
  } else {
    auto domains = read_search_domains(resolv);
    if (!domains) throw c.err(fmt::format("autopath: failed to parse {}: cannot read it", resolv));
    for (const auto& d : *domains) {
      auto n = wire::Name::from_text(d);
      if (!n) throw c.err(fmt::format("autopath: {}: bad search domain '{}'", resolv, d));
      n->lowercase();
      if (!fixed.add(*n)) break;  // as resolvers, the first few only
    }
  }

  auto plugin = std::make_unique<AutoPath>(std::move(zones), std::move(fixed), ctx.workers);
  AutoPath* raw = plugin.get();
  if (!source.empty() && ctx.on_chain) {
    ctx.on_chain->push_back([raw, source](Chain& chain) {
      for (size_t i = 0; i < chain.size(); ++i) {
        if (chain.at(i).name() != source) continue;
        if (auto* s = dynamic_cast<SearchPathSource*>(&chain.at(i))) {
          s->serve_search_paths();  // before the server starts: it may watch more
          raw->set_source(s);
        }
      }
      // As CoreDNS: a block without the plugin gets no completion, not an error.
      if (!raw->has_source())
        plugin_log("autopath", LogLevel::warning, "no {} plugin in this server block: names are not completed",
                   source);
    });
  }
  if (ctx.shared) {
    std::string server = ctx.server_label();
    ctx.shared->metrics.add([raw, server](std::vector<prometheus::MetricFamily>& out) {
      auto f = counter_family("skycore_autopath_success_total", "Counter of requests that did autopath.");
      add_value(f, {{"server", server}}, double(raw->successes()));
      out.push_back(std::move(f));
    });
  }
  return plugin;
}

}  // namespace skycore::plugins::autopath
