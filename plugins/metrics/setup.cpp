#include <fmt/format.h>

#include "core/plugin/http_probe.h"
#include "core/plugin/setup.h"
#include "plugins/metrics/exposition.h"
#include "plugins/metrics/metrics.h"

namespace skycore::plugins::metrics {
namespace {

// skycore_build_info once per process; skycore_plugin_enabled per block and configuration.
void add_static_families(SharedServices& shared, const SetupContext& ctx) {
  if (shared.claim_once("metrics:build_info")) {
    BuildInfo build = ctx.build ? *ctx.build : BuildInfo{};
    shared.metrics.add_persistent([build](std::vector<prometheus::MetricFamily>& out) {
      auto f = gauge_family("skycore_build_info", "A metric with a constant '1' value labeled by version and revision.");
      add_value(f, {{"version", build.version}, {"revision", build.revision}}, 1);
      out.push_back(std::move(f));
    });
  }
  std::vector<prometheus::ClientMetric> enabled;
  auto addrs = ctx.settings.bind_addresses;
  if (addrs.empty()) addrs.emplace_back();
  std::vector<std::string> names;
  for (const auto& d : ctx.block.directives)
    if (std::find(names.begin(), names.end(), d.name) == names.end()) names.push_back(d.name);
  auto f = gauge_family("skycore_plugin_enabled", "A metric that indicates whether a plugin is enabled on per server and zone basis.");
  for (const auto& key : ctx.block.keys)
    for (const auto& a : addrs)
      for (const auto& n : names)
        add_value(f, {{"server", listener_label(a, static_cast<uint16_t>(std::stoi(key.port)))},
                      {"zone", key.zone}, {"name", n}}, 1);
  shared.metrics.add([f](std::vector<prometheus::MetricFamily>& out) { out.push_back(f); });
}

}  // namespace

// Syntax: metrics [ADDR]   (also spelled `prometheus`, as in CoreDNS)
// ADDR defaults to localhost:9153; the path is /metrics.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string addr = "localhost:9153";
  while (c.next_once()) {
    if (c.next_arg()) {
      addr = c.val();
      if (!valid_listen_address(addr))
        throw c.err(fmt::format("metrics: '{}' is not HOST:PORT (HOST an IP address or localhost)", addr));
    }
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  auto m = std::make_unique<Metrics>(ctx.workers);
  if (ctx.shared) {
    Metrics* p = m.get();
    ctx.shared->metrics.add([p](std::vector<prometheus::MetricFamily>& out) { p->collect(out); });
    add_static_families(*ctx.shared, ctx);
    if (!ctx.validate_only) {
      SharedServices* shared = ctx.shared;
      ctx.on_startup.push_back([shared, addr] { ensure_endpoint(*shared, addr); });
    }
  }
  return m;
}

}  // namespace skycore::plugins::metrics
