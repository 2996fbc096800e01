// The SkyDNS 1 HTTP API over a Registry: services register, refresh, change
// their TTL and leave under /skydns/services/{uuid}; /skydns/regions/ and
// /skydns/environments/ count them; /skydns/callbacks/{uuid} asks to be told
// (by an HTTP DELETE to Reply:Port) when a service goes away.
//
// Every reply is JSON; every error is {"error": "reason"}. The API runs on
// its own HttpServer (core/plugin/http_server.h); a write is answered once
// the registry's commit thread has made it durable. No exception leaves a
// route.
#pragma once
#include "core/plugin/http_stream.h"
#include <functional>
#include <memory>
#include <string>

#include "plugins/skydns-registry/api_tokens.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class HttpApi {
 public:
  // ADDR is HOST:PORT (empty host: all interfaces). With tokens, writes
  // need one that may change the service's environment (401 without one,
  // 403 outside its scope), and reads need one unless `reads open`
  // (api_tokens.h). The registry must outlive the API.
  HttpApi(Registry& reg, std::string addr, ApiAuth auth);
  ~HttpApi();  // stop()s
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Listens and starts the callback sender; throws std::runtime_error when it
  // cannot listen.
  void start();
  // Stops serving (aborting requests in flight) and delivering callbacks.
  // Idempotent; undelivered callbacks are dropped.
  void stop();

  // For Registry::on_removed. Queues a DELETE to every callback registered
  // for the service and forgets them; never blocks and never calls the
  // registry, so it is safe under the registry's lock.
  void notify_removed(const Service& s);
  // Its health status changed: PUT to the hosts that asked, who stay registered.
  void notify_health(const Service& s);

  // One request without the transport, for the server and for tests.
  struct Reply {
    Reply(int st = 200, std::string b = {}, std::string a = {}, std::string type = "application/json",
          std::shared_ptr<HttpStream> s = {})
        : status(st), body(std::move(b)), allow(std::move(a)), content_type(std::move(type)), stream(std::move(s)) {}
    int status = 200;
    std::string body;   // JSON, unless content_type says otherwise
    std::string allow;  // the Allow header of a 405
    std::string content_type = "application/json";
    std::shared_ptr<HttpStream> stream;  // GET /skydns/events
  };
  // `finish` runs once, now or (for a write) from the registry's commit
  // thread once the change is durable.
  using Finish = std::function<void(Reply)>;
  void handle(const std::string& method, const std::string& uri, const std::string& authorization,
              const std::string& body, Finish finish);
  // The same, waiting for the reply (tests); not from a Finish.
  Reply handle(const std::string& method, const std::string& uri, const std::string& authorization,
               const std::string& body);

  static constexpr size_t kMaxBody = 64 * 1024;

  class Impl;  // in http_api.cpp: routes, callbacks, server

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace skycore::plugins::skydns_registry
