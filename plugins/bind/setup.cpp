#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include "core/plugin/setup.h"

namespace skycore::plugins::bind {

// Syntax: bind ADDRESS...   Restricts the block's listeners to these
// addresses (default: all interfaces). Interface names and `except` from
// CoreDNS's bind are not supported yet.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  while (c.next()) {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (const auto& a : args) {
      asio::error_code ec;
      asio::ip::make_address(a, ec);
      if (ec) throw c.err(fmt::format("bind: '{}' is not an IP address", a));
      ctx.settings.bind_addresses.push_back(a);
    }
    if (c.next_block()) throw c.unknown_property();
  }
  return nullptr;  // configures the server; not part of the query path
}

}  // namespace skycore::plugins::bind
