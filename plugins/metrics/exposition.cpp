#include "plugins/metrics/exposition.h"

#include <prometheus/text_serializer.h>

#include <atomic>
#include <sstream>

#include "core/plugin/http_probe.h"
#include "core/plugin/http_server.h"

namespace skycore::plugins::metrics {
namespace {

// Prometheus' text format, as CoreDNS's exposer serves it. On skycore's own
// HttpServer: a scrape is answered on the listener's I/O thread, and idle
// or slow clients cannot take the few threads a scrape needs.
HttpResponse scrape(const MetricsHub& hub, MetricNames names, const HttpRequest& req) {
  auto path = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path != "/metrics") return HttpResponse{404, "text/plain; charset=utf-8", "404 page not found\n", {}};
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r{405, "text/plain; charset=utf-8", "method not allowed\n", {}};
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::ostringstream out;
  auto families = hub.collect();
  if (names == MetricNames::coredns) families = coredns_names(std::move(families));
  prometheus::TextSerializer().Serialize(out, families);
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out).str(), {}};
}

// The listener and the names it serves, kept together across reloads.
struct Endpoint {
  std::atomic<MetricNames> names{MetricNames::skycore};
  std::shared_ptr<HttpServer> http;
};

}  // namespace

// One endpoint per address for the process; kept across reloads while a
// configuration names it, closed by the first reload that no longer does.
void ensure_endpoint(SharedServices& shared, const std::string& addr, MetricNames names) {
  auto endpoint = shared.keep<Endpoint>("metrics@" + addr, [&] {
    auto e = std::make_shared<Endpoint>();
    const MetricsHub& hub = shared.metrics;
    HttpLimits limits;
    limits.max_body = 0;
    Endpoint* self = e.get();  // the server is a member: it ends first
    try {
      e->http = std::make_shared<HttpServer>(addr, limits, [&hub, self](const HttpRequest& req) {
        return scrape(hub, self->names.load(std::memory_order_relaxed), req);
      });
    } catch (const std::exception& ex) {
      throw std::runtime_error("metrics: cannot listen on " + addr + ": " + ex.what());
    }
    return e;
  });
  endpoint->names.store(names, std::memory_order_relaxed);
}

}  // namespace skycore::plugins::metrics
