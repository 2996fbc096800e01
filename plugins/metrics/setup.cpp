#include <fmt/format.h>

#include "core/plugin/http_probe.h"
#include "core/plugin/setup.h"
#include "plugins/metrics/exposition.h"
#include "plugins/metrics/metrics.h"
#include "plugins/metrics/process_metrics.h"

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
        add_value(f, {{"server", listener_label(a, static_cast<uint16_t>(std::stoi(key.port)), key.transport)},
                      {"zone", key.zone}, {"name", n}}, 1);
  shared.metrics.add([f](std::vector<prometheus::MetricFamily>& out) { out.push_back(f); });
}

}  // namespace

// Every block naming one address must agree on its names: one choice per
// address per configuration.
struct NamesChoice {
  MetricNames names;
  std::string where;  // file:line of the block that chose first
};

// Syntax: metrics [ADDR] { names skycore|coredns }   (also spelled
// `prometheus`, as in CoreDNS). ADDR defaults to localhost:9153; the path
// is /metrics.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string addr = "localhost:9153";
  MetricNames names = MetricNames::skycore;
  std::string here;
  while (c.next_once()) {
    here = fmt::format("{}:{}", c.file(), c.line());
    if (c.next_arg()) {
      addr = c.val();
      if (!valid_listen_address(addr))
        throw c.err(fmt::format("metrics: '{}' is not HOST:PORT (HOST an IP address or localhost)", addr));
    }
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() != "names") throw c.unknown_property();
      if (!c.next_arg()) throw c.arg_err();
      if (c.val() == "coredns") names = MetricNames::coredns;
      else if (c.val() == "skycore") names = MetricNames::skycore;
      else throw c.err(fmt::format("metrics: names '{}': skycore or coredns", c.val()));
      if (c.next_arg()) throw c.arg_err();
    }
  }
  if (ctx.shared) {
    bool first = false;
    auto choice = ctx.shared->keep<NamesChoice>(fmt::format("metrics-names@{}@{}", addr, ctx.shared->building()), [&] {
      first = true;
      return std::make_shared<NamesChoice>(NamesChoice{names, here});
    });
    if (!first && choice->names != names)
      throw c.err(fmt::format("metrics: {} serves {} names (set at {}); one address has one naming", addr,
                              choice->names == MetricNames::coredns ? "coredns" : "skycore", choice->where));
  }
  auto m = std::make_unique<Metrics>(ctx.workers);
  if (ctx.shared) {
    Metrics* p = m.get();
    ctx.shared->metrics.add([p](std::vector<prometheus::MetricFamily>& out) { p->collect(out); });
    add_static_families(*ctx.shared, ctx);
    if (ctx.shared->claim_once("metrics:process")) ctx.shared->metrics.add_persistent(collect_process_metrics);
    if (!ctx.validate_only) {
      SharedServices* shared = ctx.shared;
      ctx.on_startup.push_back([shared, addr, names] { ensure_endpoint(*shared, addr, names); });
    }
  }
  return m;
}

}  // namespace skycore::plugins::metrics
