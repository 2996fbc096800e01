#include "core/plugin/setup.h"
#include "plugins/errors/errors.h"

#include <fmt/format.h>

namespace skycore::plugins::errors {

// Syntax: errors   (CoreDNS's `consolidate` and `stacktrace` are not
// implemented yet and are rejected rather than silently ignored)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() == "consolidate" || c.val() == "stacktrace")
        throw c.err(fmt::format("errors: '{}' is not supported yet", c.val()));
      throw c.unknown_property();
    }
  }
  return std::make_unique<Errors>();
}

}  // namespace skycore::plugins::errors
