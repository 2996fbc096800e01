#include "core/plugin/zone_args.h"

#include <fmt/format.h>

#include "core/corefile/reverse_zone.h"
#include "core/plugin/setup.h"

namespace skycore {

std::vector<wire::Name> zone_args(const corefile::TokenCursor& c, std::string_view plugin,
                                  std::span<const std::string> args) {
  std::vector<wire::Name> out;
  auto add = [&](const std::string& text) {
    auto n = wire::Name::from_text(text);
    if (!n) throw c.err(fmt::format("{}: '{}' is not a domain name", plugin, text));
    n->lowercase();
    out.push_back(*n);
  };
  for (const auto& a : args) {
    if (a.find('/') == std::string::npos) {
      add(a);
      continue;
    }
    auto rev = corefile::reverse_zones(a);
    if (!rev) throw c.err(fmt::format("{}: '{}' is not a CIDR", plugin, a));
    for (const auto& z : *rev) add(z);
  }
  return out;
}

std::vector<wire::Name> block_zones(const SetupContext& ctx) {
  std::vector<wire::Name> out;
  for (const auto& z : ctx.zones()) out.push_back(*wire::Name::from_text(z));
  return out;
}

Fallthrough fallthrough_args(const corefile::TokenCursor& c, std::string_view plugin,
                             std::span<const std::string> args) {
  return Fallthrough{true, zone_args(c, plugin, args)};
}

}  // namespace skycore
