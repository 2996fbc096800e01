#include "plugins/metrics/coredns_names.h"

#include <string_view>

namespace skycore::plugins::metrics {
namespace {

constexpr std::string_view kOurs = "skycore_";

// CoreDNS 1.11 moved forward's per-upstream families to pkg/proxy, with a
// proxy_name label; dashboards made since read those.
const char* proxy_name_for(std::string_view coredns_name) {
  if (coredns_name == "coredns_forward_request_duration_seconds") return "coredns_proxy_request_duration_seconds";
  if (coredns_name == "coredns_forward_healthcheck_failures_total") return "coredns_proxy_healthcheck_failures_total";
  return nullptr;
}

}  // namespace

std::vector<prometheus::MetricFamily> coredns_names(std::vector<prometheus::MetricFamily> families) {
  std::vector<prometheus::MetricFamily> out;
  out.reserve(families.size() + 2);
  for (auto& f : families) {
    if (std::string_view(f.name).starts_with(kOurs)) f.name = "coredns_" + f.name.substr(kOurs.size());
    if (const char* proxy = proxy_name_for(f.name)) {
      prometheus::MetricFamily copy = f;
      copy.name = proxy;
      for (auto& m : copy.metric) m.label.insert(m.label.begin(), {"proxy_name", "forward"});
      out.push_back(std::move(copy));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace skycore::plugins::metrics
