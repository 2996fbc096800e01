// The ZONES arguments CoreDNS plugins take (`kubernetes cluster.local
// 10.0.0.0/24`, `fallthrough in-addr.arpa`): names, or CIDRs standing for
// their reverse zones, lowercased; the server block's zones when none are
// given. Errors name the plugin and the file:line.
#pragma once
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/token_cursor.h"
#include "core/plugin/fallthrough.h"
#include "core/wire/name.h"

namespace skycore {

struct SetupContext;

std::vector<wire::Name> zone_args(const corefile::TokenCursor& c, std::string_view plugin,
                                  std::span<const std::string> args);
// The server block's zones, as names.
std::vector<wire::Name> block_zones(const SetupContext& ctx);
// `fallthrough [ZONES...]`, the arguments after the keyword.
Fallthrough fallthrough_args(const corefile::TokenCursor& c, std::string_view plugin,
                             std::span<const std::string> args);

}  // namespace skycore
