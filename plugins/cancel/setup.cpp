#include <fmt/format.h>

#include "core/corefile/duration.h"
#include "core/plugin/setup.h"
#include "plugins/cancel/cancel.h"

namespace skycore::plugins::cancel {

// Syntax: cancel [TIMEOUT]   (once per server block; default 5001ms)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::chrono::milliseconds timeout{5001};
  while (c.next_once()) {
    auto args = c.remaining_args();
    if (args.size() > 1) throw c.arg_err();
    if (args.size() == 1) {
      auto d = corefile::parse_duration(args[0]);
      if (!d || *d <= std::chrono::milliseconds::zero())
        throw c.err(fmt::format("cancel: invalid timeout '{}': want a positive duration such as 5s", args[0]));
      timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
  }
  return std::make_unique<Cancel>(timeout);
}

}  // namespace skycore::plugins::cancel
