#include "plugins/metrics/exposition.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <charconv>

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
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return {};
  std::string host = addr.substr(0, colon), port = addr.substr(colon + 1);
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return {};
  if (host.empty()) return port;
  if (host == "localhost") host = "127.0.0.1";
  if (host.front() == '[') return host + ":" + port;
  return host + ":" + port;
}

void ensure_endpoint(SharedServices& shared, const std::string& addr) {
  std::lock_guard lock(shared.mu);
  auto key = "metrics@" + addr;
  if (shared.listeners.count(key)) return;
  auto ep = std::make_shared<Endpoint>();
  ep->collectable = std::make_shared<HubCollectable>(shared.metrics);
  try {
    ep->exposer = std::make_unique<prometheus::Exposer>(civet_address(addr), 2);
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics: cannot listen on " + addr + ": " + e.what());
  }
  ep->exposer->RegisterCollectable(ep->collectable, "/metrics");
  shared.listeners[key] = ep;
}

}  // namespace skycore::plugins::metrics
