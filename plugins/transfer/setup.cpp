#include <fmt/format.h>

#include "core/plugin/address_port.h"
#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "plugins/transfer/transfer.h"

namespace skycore::plugins::transfer {

// Syntax: transfer [ZONE...] { to ADDRESS...|*; source IP }, any number of
// times per block.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Rule> rules;
  while (c.next()) {
    Rule r;
    auto args = c.remaining_args();
    r.zones = args.empty() ? block_zones(ctx) : zone_args(c, "transfer", args);
    bool source = false;
    while (c.next_block()) {
      if (c.val() == "to") {
        auto to = c.remaining_args();
        if (to.empty()) throw c.arg_err();
        for (const auto& t : to) {
          if (t == "*") {
            r.anyone = true;
            continue;
          }
          // The port is for NOTIFY, which these zones never send.
          auto a = parse_address_port(t, 53);
          if (!a) throw c.err(fmt::format("transfer: must specify an IP address: `{}'", t));
          r.to.push_back(a->ip);
        }
      } else if (c.val() == "source") {
        if (source) throw c.err("transfer: source already specified");
        if (!c.next_arg()) throw c.arg_err();
        asio::error_code ec;
        asio::ip::make_address(c.val(), ec);
        if (ec) throw c.err(fmt::format("transfer: invalid source address '{}'", c.val()));
        source = true;  // only for NOTIFY, which these zones never send
        if (c.next_arg()) throw c.arg_err();
      } else {
        throw c.unknown_property();
      }
    }
    if (!r.anyone && r.to.empty()) throw c.err("transfer: 'to' is required");
    rules.push_back(std::move(r));
  }
  auto plugin = std::make_unique<Transfer>(std::move(rules));
  Transfer* raw = plugin.get();
  if (ctx.on_chain)
    ctx.on_chain->push_back([raw](Chain& chain) {
      for (size_t i = 0; i < chain.size(); ++i)
        if (auto* s = dynamic_cast<const ZoneTransferSource*>(&chain.at(i))) raw->add_source(s);
    });
  return plugin;
}

}  // namespace skycore::plugins::transfer
