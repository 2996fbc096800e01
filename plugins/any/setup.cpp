#include "core/plugin/setup.h"
#include "plugins/any/any.h"

namespace skycore::plugins::any {

// Syntax: any   (no arguments, once per server block)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  return std::make_unique<Any>();
}

}  // namespace skycore::plugins::any
