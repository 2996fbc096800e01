#include "core/corefile/bounded_args.h"
#include "core/plugin/setup.h"
#include "plugins/bufsize/bufsize.h"

namespace skycore::plugins::bufsize {

// Syntax: bufsize [SIZE]   (512-4096, default 1232; once per server block)
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  int64_t size = kDefaultSize;
  while (c.next_once()) {
    if (c.next_arg()) size = corefile::bounded_int(c, "bufsize: SIZE", c.val(), 512, 4096);
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  return std::make_unique<Bufsize>(static_cast<uint16_t>(size));
}

}  // namespace skycore::plugins::bufsize
