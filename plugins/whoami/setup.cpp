#include "core/plugin/setup.h"
#include "plugins/whoami/whoami.h"

namespace skycore::plugins::whoami {

// Syntax: whoami   (no arguments, at most once per server block)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  return std::make_unique<Whoami>();
}

}  // namespace skycore::plugins::whoami
