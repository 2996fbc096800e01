#include <fmt/format.h>

#include "core/plugin/setup.h"
#include "plugins/loop/loop.h"

namespace skycore::plugins::loop {

// Syntax: loop   (no arguments)
// Probes the block's first zone on its first listen address.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next()) {
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  const auto& key = ctx.block.keys.front();
  auto zone = wire::Name::from_text(key.zone);
  std::string address = ctx.settings.bind_addresses.empty() ? "" : ctx.settings.bind_addresses.front();
  auto plugin = std::make_unique<Loop>(*zone, address, static_cast<uint16_t>(std::stoi(key.port)));
  if (ctx.validate_only) return plugin;
  Loop* raw = plugin.get();
  ctx.on_startup.push_back([raw] { raw->start(); });
  ctx.on_shutdown.push_back([raw] { raw->stop(); });
  return plugin;
}

}  // namespace skycore::plugins::loop
