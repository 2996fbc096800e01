#include "plugins/metrics/exposition.h"

#include <prometheus/text_serializer.h>

#include <sstream>

#include "core/plugin/http_probe.h"
#include "core/plugin/http_server.h"

namespace skycore::plugins::metrics {
namespace {

// Prometheus' text format, as CoreDNS's exposer serves it. On skycore's own
// HttpServer: a scrape is answered on the listener's I/O thread, and idle
// or slow clients cannot take the few threads a scrape needs.
HttpResponse scrape(const MetricsHub& hub, const HttpRequest& req) {
  auto path = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path != "/metrics") return HttpResponse{404, "text/plain; charset=utf-8", "404 page not found\n", {}};
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r{405, "text/plain; charset=utf-8", "method not allowed\n", {}};
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, hub.collect());
  return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(out).str(), {}};
}

}  // namespace

// One endpoint per address for the process; kept across reloads while a
// configuration names it, closed by the first reload that no longer does.
void ensure_endpoint(SharedServices& shared, const std::string& addr) {
  shared.keep<HttpServer>("metrics@" + addr, [&] {
    const MetricsHub& hub = shared.metrics;
    HttpLimits limits;
    limits.max_body = 0;
    try {
      return std::make_shared<HttpServer>(addr, limits, [&hub](const HttpRequest& req) { return scrape(hub, req); });
    } catch (const std::exception& e) {
      throw std::runtime_error("metrics: cannot listen on " + addr + ": " + e.what());
    }
  });
}

}  // namespace skycore::plugins::metrics
