#include "plugins/metrics/exposition.h"

#include "core/plugin/http_probe.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>


namespace skycore::plugins::metrics {
namespace {

class HubCollectable final : public prometheus::Collectable {
 public:
  explicit HubCollectable(const MetricsHub& hub) : hub_(hub) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return hub_.collect(); }

 private:
  const MetricsHub& hub_;
};

struct Endpoint {
  std::shared_ptr<HubCollectable> collectable;
  std::unique_ptr<prometheus::Exposer> exposer;
};

}  // namespace

std::string civet_address(const std::string& addr) {
  auto a = split_listen_address(addr);
  if (!a) return {};
  std::string port = std::to_string(a->port);
  if (a->host.empty()) return port;  // civetweb: all interfaces
  if (a->host == "localhost") return "127.0.0.1:" + port;
  if (a->host.find(':') != std::string::npos) return "[" + a->host + "]:" + port;
  return a->host + ":" + port;
}

// One endpoint per address for the process; kept across reloads while a
// configuration names it, closed by the first reload that no longer does.
void ensure_endpoint(SharedServices& shared, const std::string& addr) {
  shared.keep<Endpoint>("metrics@" + addr, [&] {
    auto ep = std::make_shared<Endpoint>();
    ep->collectable = std::make_shared<HubCollectable>(shared.metrics);
    try {
      ep->exposer = std::make_unique<prometheus::Exposer>(civet_address(addr), 2);
    } catch (const std::exception& e) {
      throw std::runtime_error("metrics: cannot listen on " + addr + ": " + e.what());
    }
    ep->exposer->RegisterCollectable(ep->collectable, "/metrics");
    return ep;
  });
}

}  // namespace skycore::plugins::metrics
