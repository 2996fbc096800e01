#include "core/corefile/bounded_args.h"
#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "plugins/rrl/rrl.h"

namespace skycore::plugins::rrl {
namespace {

double allowance(corefile::TokenCursor& c, const std::string& what) {
  auto args = c.remaining_args();
  if (args.size() != 1) throw c.arg_err();
  return double(corefile::bounded_int(c, "rrl: " + what, args[0], 0, 1'000'000'000));
}

}  // namespace

// Syntax (the CoreDNS rrl plugin's):
//   rrl [ZONES...] { window SECONDS; ipv4-prefix-length LENGTH;
//     ipv6-prefix-length LENGTH; responses-per-second N; nodata-per-second N;
//     nxdomains-per-second N; referrals-per-second N; errors-per-second N;
//     requests-per-second N; slip-ratio N; max-table-size SIZE; report-only }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Config cfg;
  while (c.next_once()) {
    auto zones = c.remaining_args();
    cfg.zones = zones.empty() ? block_zones(ctx) : zone_args(c, "rrl", zones);
    std::optional<double> nodata, nxdomain, referral, error;
    auto& per = cfg.limits.per_second;
    for (int n = c.nesting(); c.next_block(n);) {
      const std::string opt = c.val();
      if (opt == "window") {
        auto args = c.remaining_args();
        if (args.size() != 1) throw c.arg_err();
        cfg.limits.window_s = double(corefile::bounded_int(c, "rrl: window", args[0], 1, 3600));
      } else if (opt == "ipv4-prefix-length" || opt == "ipv6-prefix-length") {
        auto args = c.remaining_args();
        if (args.size() != 1) throw c.arg_err();
        const bool v4 = opt[3] == '4';
        auto len = corefile::bounded_int(c, "rrl: " + opt, args[0], 1, v4 ? 32 : 128);
        (v4 ? cfg.ipv4_prefix : cfg.ipv6_prefix) = static_cast<uint8_t>(len);
      } else if (opt == "responses-per-second") {
        per[size_t(Category::response)] = allowance(c, opt);
      } else if (opt == "nodata-per-second") {
        nodata = allowance(c, opt);
      } else if (opt == "nxdomains-per-second") {
        nxdomain = allowance(c, opt);
      } else if (opt == "referrals-per-second") {
        referral = allowance(c, opt);
      } else if (opt == "errors-per-second") {
        error = allowance(c, opt);
      } else if (opt == "requests-per-second") {
        per[size_t(Category::request)] = allowance(c, opt);
      } else if (opt == "slip-ratio") {
        auto args = c.remaining_args();
        if (args.size() != 1) throw c.arg_err();
        cfg.slip = static_cast<uint32_t>(corefile::bounded_int(c, "rrl: slip-ratio", args[0], 0, 10));
      } else if (opt == "max-table-size") {
        auto args = c.remaining_args();
        if (args.size() != 1) throw c.arg_err();
        cfg.table_size = static_cast<size_t>(corefile::bounded_int(c, "rrl: max-table-size", args[0], 1, 100'000'000));
      } else if (opt == "report-only") {
        if (!c.remaining_args().empty()) throw c.arg_err();
        cfg.report_only = true;
      } else {
        throw c.unknown_property();
      }
    }
    // The other categories default to responses-per-second.
    const double r = per[size_t(Category::response)];
    per[size_t(Category::nodata)] = nodata.value_or(r);
    per[size_t(Category::nxdomain)] = nxdomain.value_or(r);
    per[size_t(Category::referral)] = referral.value_or(r);
    per[size_t(Category::error)] = error.value_or(r);
  }
  auto plugin = std::make_unique<Rrl>(std::move(cfg), ctx.workers);
  if (ctx.shared && !ctx.block.keys.empty()) {
    std::string server = ctx.server_label();
    Rrl* p = plugin.get();
    ctx.shared->metrics.add([p, server](std::vector<prometheus::MetricFamily>& out) { p->collect(out, server); });
  }
  return plugin;
}

}  // namespace skycore::plugins::rrl
