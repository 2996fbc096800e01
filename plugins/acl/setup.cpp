#include <asio/ip/address.hpp>

#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "core/wire/types.h"
#include "plugins/acl/acl.h"

namespace skycore::plugins::acl {
namespace {

// "10.0.0.0/8", "192.0.2.1" (a /32), "2001:db8::/32", "::1" (a /128).
Subnet parse_net(const corefile::TokenCursor& c, const std::string& text) {
  if (auto s = parse_subnet(text)) return *s;
  asio::error_code ec;
  asio::ip::make_address(text.substr(0, text.find('/')), ec);
  throw c.err(ec ? "acl: not an address or a network: '" + text + "'" : "acl: not a network: '" + text + "'");
}

// ACTION [type QTYPE...] [net SOURCE...]   (either part may come first, and
// each may be given more than once; '*' stands for every type or source).
Rule parse_rule(corefile::TokenCursor& c) {
  Rule r;
  const std::string& a = c.val();
  if (a == "allow") r.action = Action::allow;
  else if (a == "block") r.action = Action::block;
  else if (a == "filter") r.action = Action::filter;
  else if (a == "drop") r.action = Action::drop;
  else throw c.err("acl: unknown action '" + a + "' (allow, block, filter or drop)");
  auto args = c.remaining_args();
  bool any_type = false, any_net = false;
  enum { none, types, nets } in = none;
  for (const std::string& arg : args) {
    if (arg == "type") {
      in = types;
      continue;
    }
    if (arg == "net") {
      in = nets;
      continue;
    }
    if (in == none) throw c.err("acl: '" + arg + "' after '" + a + "': expected 'type' or 'net'");
    if (in == types) {
      if (arg == "*") {
        any_type = true;
        continue;
      }
      auto t = wire::type_from_string(arg);
      if (!t) throw c.err("acl: unknown query type '" + arg + "'");
      r.types.push_back(*t);
    } else {
      if (arg == "*") {
        any_net = true;
        continue;
      }
      r.nets.push_back(parse_net(c, arg));
    }
  }
  if (any_type) r.types.clear();
  if (any_net) r.nets.clear();
  return r;
}

}  // namespace

// Syntax (CoreDNS's): acl [ZONES...] { ACTION [type QTYPE...] [net SOURCE...] ... }
// Once or more per server block: each occurrence is one policy, in order.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Policy> policies;
  while (c.next()) {
    Policy p;
    auto zones = c.remaining_args();
    p.zones = zones.empty() ? block_zones(ctx) : zone_args(c, "acl", zones);
    for (int n = c.nesting(); c.next_block(n);) p.rules.push_back(parse_rule(c));
    policies.push_back(std::move(p));
  }
  auto plugin = std::make_unique<Acl>(std::move(policies), ctx.workers);
  if (ctx.shared && !ctx.block.keys.empty()) {
    std::string server = ctx.server_label();
    Acl* a = plugin.get();
    ctx.shared->metrics.add([a, server](std::vector<prometheus::MetricFamily>& out) { a->collect(out, server); });
  }
  return plugin;
}

}  // namespace skycore::plugins::acl
