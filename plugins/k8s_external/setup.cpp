#include <fmt/format.h>

#include "core/corefile/bounded_args.h"
#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "plugins/k8s_external/k8s_external.h"

namespace skycore::plugins::k8s_external {

// Syntax: k8s_external [ZONE...] { apex APEX; ttl TTL; headless; fallthrough [ZONE...] }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Config cfg;
  if (!c.next_once()) throw c.arg_err();
  const std::string file = c.token().file;
  const int line = c.token().line;
  auto args = c.remaining_args();
  cfg.zones = args.empty() ? block_zones(ctx) : zone_args(c, "k8s_external", args);
  while (c.next_block()) {
    const std::string prop = c.val();
    if (prop == "apex") {
      if (!c.next_arg()) throw c.arg_err();
      auto n = wire::Name::from_text(c.val());
      if (!n || n->label_count() != 1 || c.val().find('.') != std::string::npos)
        throw c.err(fmt::format("k8s_external: apex '{}': want a single label such as dns", c.val()));
      cfg.apex = c.val();
      for (auto& ch : cfg.apex) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else if (prop == "ttl") {
      if (!c.next_arg()) throw c.arg_err();
      cfg.ttl = static_cast<uint32_t>(corefile::bounded_int(c, "k8s_external: ttl", c.val(), 0, 3600));
    } else if (prop == "headless") {
      cfg.headless = true;
    } else if (prop == "fallthrough") {
      cfg.fallthrough = fallthrough_args(c, "k8s_external", c.remaining_args());
      continue;
    } else {
      throw c.unknown_property();
    }
    if (c.next_arg()) throw c.arg_err();
  }
  auto plugin = std::make_unique<K8sExternal>(std::move(cfg), ctx.workers);
  K8sExternal* raw = plugin.get();
  if (ctx.on_chain) {
    ctx.on_chain->push_back([raw, file, line](Chain& chain) {
      for (size_t i = 0; i < chain.size(); ++i)
        if (chain.at(i).name() == "kubernetes") raw->set_source(dynamic_cast<const ExternalSource*>(&chain.at(i)));
      if (!raw->has_source())
        throw corefile::Error(file, line, "k8s_external needs the kubernetes plugin in the same server block");
    });
  }
  return plugin;
}

}  // namespace skycore::plugins::k8s_external
