#include "core/plugin/setup.h"
#include "plugins/whoami/whoami.h"

namespace skycore::plugins::whoami {

// Syntax: whoami   (no arguments, at most once per server block)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  int seen = 0;
  while (c.next()) {
    if (++seen > 1) throw c.err("plugin 'whoami' can only be used once per server block");
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  return std::make_unique<Whoami>();
}

}  // namespace skycore::plugins::whoami
