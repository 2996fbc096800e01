// The registry API's transport: skycore's HttpServer (event-driven, head and
// body deadlines, a connection cap that evicts idle clients). Routes run on
// its I/O thread and answer writes later, from the registry's commit thread;
// only a store whose write() itself waits for the network (etcd) gets a
// pool of sixteen threads, so that its round trips overlap.
#include "core/plugin/http_server.h"
#include "core/plugin/plugin_log.h"

#include <atomic>
#include <future>
#include <iostream>
#include <stdexcept>

#include "plugins/skydns-registry/http_api_impl.h"

namespace skycore::plugins::skydns_registry {

HttpApi::HttpApi(Registry& reg, std::string addr, ApiAuth auth)
    : impl_(std::make_unique<Impl>(reg, std::move(addr), std::move(auth))) {}

HttpApi::~HttpApi() { stop(); }

void HttpApi::start() {
  if (impl_->server_) return;
  HttpLimits limits;
  limits.max_body = kMaxBody;
  limits.handler_threads = impl_->reg_.slow_writes() ? 16 : 0;
  try {
    impl_->server_ = std::make_unique<HttpServer>(
        impl_->addr_, limits, [this](const HttpRequest& req, HttpServer::Respond respond) {
          handle(req.method, req.target, std::string(req.header("authorization")), req.body,
                 [respond = std::move(respond)](Reply r) {
                   HttpResponse resp{r.status, std::move(r.content_type), std::move(r.body), {}, std::move(r.stream)};
                   if (!r.allow.empty()) resp.headers.emplace_back("Allow", r.allow);
                   if (resp.stream) resp.headers.emplace_back("Cache-Control", "no-cache");
                   respond(std::move(resp));
                 });
        });
  } catch (const std::exception& e) {
    throw std::runtime_error("skydns-registry: " + std::string(e.what()));
  }
  impl_->sender_.start();
  impl_->events_.start();
}

void HttpApi::stop() {
  impl_->events_.stop();  // ends the streams, so the server's close is quick
  impl_->server_.reset();
  impl_->sender_.stop();
}

void HttpApi::notify_removed(const Service& s) { impl_->notify_removed(s); }
void HttpApi::notify_health(const Service& s) { impl_->notify_health(s); }

void HttpApi::handle(const std::string& method, const std::string& uri, const std::string& authorization,
                     const std::string& body, Finish finish) {
  // A route that throws before finishing answers 500.
  auto finished = std::make_shared<std::atomic<bool>>(false);
  try {
    impl_->dispatch(method, uri, authorization, body, [finished, finish](Reply r) {
      if (!finished->exchange(true)) finish(std::move(r));
    });
  } catch (const std::exception& e) {
    plugin_log("skydns-registry", LogLevel::error, "API request failed: {}", e.what());
    if (!finished->exchange(true)) finish(error(500, "internal error"));
  }
}

HttpApi::Reply HttpApi::handle(const std::string& method, const std::string& uri,
                               const std::string& authorization, const std::string& body) {
  std::promise<Reply> reply;
  auto answered = reply.get_future();
  handle(method, uri, authorization, body, [&reply](Reply r) { reply.set_value(std::move(r)); });
  return answered.get();
}

}  // namespace skycore::plugins::skydns_registry
