// timeouts: the read, write and idle timeouts of the block's TCP
// connections, as CoreDNS's timeouts (which sets them for its TCP, TLS and
// HTTPS servers). Not a plugin on the query path: it configures the
// listeners (core/server/tcp_connection.cpp says what each one bounds).
#include <fmt/format.h>

#include "core/corefile/duration.h"
#include "core/plugin/setup.h"

namespace skycore::plugins::timeouts {

// Syntax: timeouts { read DURATION; write DURATION; idle DURATION }, each
// between 1s and 24h, at least one of them; once per server block.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    bool any = false;
    while (c.next_block()) {
      const std::string which = c.val();
      std::chrono::milliseconds* into = which == "read"    ? &ctx.settings.tcp_read
                                        : which == "write" ? &ctx.settings.tcp_write
                                        : which == "idle"  ? &ctx.settings.tcp_idle
                                                           : nullptr;
      if (!into) throw c.unknown_property();
      if (!c.next_arg()) throw c.arg_err();
      auto d = corefile::parse_duration(c.val());
      if (!d || *d < std::chrono::seconds(1) || *d > std::chrono::hours(24))
        throw c.err(fmt::format("timeouts: {} timeout '{}' needs to be between 1s and 24h", which, c.val()));
      if (c.next_arg()) throw c.arg_err();
      *into = *d;
      any = true;
    }
    if (!any) throw c.err("timeouts: at least one of read, write and idle is needed in a block");
  }
  return nullptr;
}

}  // namespace skycore::plugins::timeouts
