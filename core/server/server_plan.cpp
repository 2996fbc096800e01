#include "core/server/server_plan.h"

#include <fmt/format.h>

#include "core/corefile/port.h"

#include <charconv>
#include <stdexcept>

namespace skycore::server {
namespace {

// A key without a port gets -dns.port, or for tls:// 853 and https:// 443
// (CoreDNS's defaults for those transports).
uint16_t effective_port(const corefile::ZoneKey& key, uint16_t default_port,
                        const corefile::ServerBlock& block) {
  if (key.port.empty()) return key.transport == "tls" ? 853 : key.transport == "https" ? 443 : default_port;
  auto port = corefile::parse_port(key.port);
  if (!port) throw corefile::Error(block.file, block.line, fmt::format("invalid port '{}'", key.port));
  return *port;
}

std::unique_ptr<BlockRuntime> setup_block(const corefile::ServerBlock& block,
                                          const PlanOptions& options, ServerPlan& plan) {
  auto rt = std::make_unique<BlockRuntime>();
  corefile::ServerBlock effective = block;
  for (auto& k : effective.keys) k.port = std::to_string(effective_port(k, options.default_port, block));
  rt->keys = effective.keys;

  for (const auto& d : block.directives) {
    if (!find_plugin(d.name)) {
      const auto& t = d.tokens.front();
      throw corefile::Error(t.file, t.line, fmt::format("unknown directive '{}'", d.name));
    }
  }
  std::vector<std::unique_ptr<Plugin>> plugins;
  std::vector<std::function<void(Chain&)>> on_chain;
  for (const auto& entry : compiled_plugins()) {
    if (!corefile::has_directive(block, entry.name)) continue;
    corefile::TokenCursor cursor(corefile::directive_tokens(block, entry.name));
    std::vector<std::unique_ptr<Plugin>> more;
    SetupContext ctx{cursor,          effective,          rt->settings,           plan.on_startup,
                     plan.on_shutdown, options.validate_only, options.workers, &plan.worker_hooks,
                     plan.shared.get(),  &plan.process,    &more,                  &options.build,
                     &on_chain};
    if (auto p = entry.setup(ctx)) {
      rt->directives.emplace_back(entry.name);
      plugins.push_back(std::move(p));
      for (auto& m : more) plugins.push_back(std::move(m));
    }
  }
  rt->chain = std::make_unique<Chain>(std::move(plugins));
  for (const auto& f : on_chain) f(*rt->chain);
  return rt;
}

// One listener per address and port, speaking one transport: a tls://
// block and a dns:// block cannot share a port (both would be TCP there).
ListenerSpec& listener_for(ServerPlan& plan, const std::string& addr, uint16_t port, const BlockRuntime& rt,
                           const corefile::ZoneKey& key, const corefile::ServerBlock& block) {
  for (auto& l : plan.listeners) {
    if (l.address != addr || l.port != port) continue;
    if (l.transport != key.transport)
      throw corefile::Error(block.file, block.line,
                            fmt::format("{}://{}:{} is already served as {}", key.transport, key.zone, port, l.label));
    return l;
  }
  if (key.transport != "dns" && !rt.settings.tls)
    throw corefile::Error(block.file, block.line,
                          fmt::format("{}://{} needs the `tls CERT KEY` directive in its block", key.transport, key.zone));
  auto& l = plan.listeners.emplace_back();
  l.address = addr;
  l.port = port;
  l.transport = key.transport;
  if (key.transport != "dns") l.tls = rt.settings.tls;  // a dns:// key ignores `tls`, as in CoreDNS
  l.label = listener_label(addr, port, key.transport);
  return l;
}

// Which block serves a zone on a port on which address, to tell blocks
// apart by `bind` (AKS LocalDNS, NodeLocal DNSCache: `.:53` twice) and
// refuse overlaps as CoreDNS does: the same address twice, or one block on
// every interface ("") and another on any address.
struct Served {
  std::string zone_port, address;
  const corefile::ServerBlock* block;
};

void check_overlap(std::vector<Served>& served, const std::string& zone, uint16_t port, const std::string& addr,
                   const corefile::ServerBlock& block) {
  std::string zp = fmt::format("{}:{}", zone, port);
  for (const auto& s : served) {
    if (s.zone_port != zp || s.block == &block) continue;
    if (s.address == addr || s.address.empty() || addr.empty()) {
      auto where = [](const std::string& a) { return a.empty() ? std::string("every interface") : a; };
      throw corefile::Error(block.file, block.line,
                            fmt::format("zone '{}' is served twice: on {} here and on {} by the block at {}:{} "
                                        "(blocks for the same zone and port need `bind` addresses that do not overlap)",
                                        zp, where(addr), where(s.address), s.block->file, s.block->line));
    }
  }
  served.push_back({std::move(zp), addr, &block});
}

}  // namespace

ServerPlan build_plan(const corefile::Config& config, const PlanOptions& options) {
  ServerPlan plan;
  plan.shared = options.shared ? options.shared : std::make_shared<SharedServices>();
  std::vector<Served> served;
  for (const auto& block : config.blocks) {
    auto rt = setup_block(block, options, plan);
    std::vector<std::string> addrs = rt->settings.bind_addresses;
    if (addrs.empty()) addrs.emplace_back();
    for (const auto& key : rt->keys) {
      uint16_t port = static_cast<uint16_t>(std::stoi(key.port));
      for (const auto& a : addrs) {
        check_overlap(served, key.zone, port, a, block);
        auto& l = listener_for(plan, a, port, *rt, key, block);
        l.tcp_read = std::max(l.tcp_read, rt->settings.tcp_read);
        l.tcp_write = std::max(l.tcp_write, rt->settings.tcp_write);
        l.tcp_idle = std::max(l.tcp_idle, rt->settings.tcp_idle);
        try {
          l.zones.add(key.zone, rt->chain.get());
        } catch (const std::invalid_argument&) {
          throw corefile::Error(block.file, block.line,
                                fmt::format("zone '{}' is served twice on {}", key.zone, l.label));
        }
        l.zone_keys.push_back(fmt::format("{}:{}", key.zone, port));
      }
    }
    plan.blocks.push_back(std::move(rt));
  }
  return plan;
}

}  // namespace skycore::server
