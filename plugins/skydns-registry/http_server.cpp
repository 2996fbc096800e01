// The registry API's transport: skycore's HttpServer (event-driven, head and
// body deadlines, a connection cap that evicts idle clients) with the routes
// on a pool of sixteen threads, because a route may wait for a journal fsync or
// an etcd round trip and must not hold up the reading of other requests.
#include "core/plugin/http_server.h"
#include "core/plugin/plugin_log.h"

#include <iostream>
#include <stdexcept>

#include "plugins/skydns-registry/http_api_impl.h"

namespace skycore::plugins::skydns_registry {

HttpApi::HttpApi(Registry& reg, std::string addr, std::string secret)
    : impl_(std::make_unique<Impl>(reg, std::move(addr), std::move(secret))) {}

HttpApi::~HttpApi() { stop(); }

void HttpApi::start() {
  if (impl_->server_) return;
  HttpLimits limits;
  limits.max_body = kMaxBody;
  limits.handler_threads = 16;  // as many writers as can share one group commit
  try {
    impl_->server_ = std::make_unique<HttpServer>(impl_->addr_, limits, [this](const HttpRequest& req) {
      Reply r = handle(req.method, req.target, std::string(req.header("authorization")), req.body);
      HttpResponse resp{r.status, "application/json", std::move(r.body), {}};
      if (!r.allow.empty()) resp.headers.emplace_back("Allow", r.allow);
      return resp;
    });
  } catch (const std::exception& e) {
    throw std::runtime_error("skydns-registry: " + std::string(e.what()));
  }
  impl_->sender_.start();
}

void HttpApi::stop() {
  impl_->server_.reset();
  impl_->sender_.stop();
}

void HttpApi::notify_removed(const Service& s) { impl_->notify_removed(s); }

HttpApi::Reply HttpApi::handle(const std::string& method, const std::string& uri,
                               const std::string& authorization, const std::string& body) {
  try {
    return impl_->dispatch(method, uri, authorization, body);
  } catch (const std::exception& e) {
    plugin_log("skydns-registry", LogLevel::error, "API request failed: {}", e.what());
    return error(500, "internal error");
  }
}

}  // namespace skycore::plugins::skydns_registry
