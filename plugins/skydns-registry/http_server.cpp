#include "core/plugin/http_probe.h"
#include "plugins/skydns-registry/http_api_impl.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "plugins/skydns-registry/service_json.h"

namespace skycore::plugins::skydns_registry {
namespace {

Poco::Net::SocketAddress listen_address(const std::string& addr) {
  auto a = split_listen_address(addr);
  if (!a) throw std::runtime_error("want HOST:PORT, got " + addr);
  return Poco::Net::SocketAddress(a->host.empty() ? "0.0.0.0" : a->host, a->port);
}

}  // namespace

namespace {

// Reads at most kMaxBody + 1 bytes: enough to tell that a body is too big
// without holding all of it.
std::string read_body(std::istream& in) {
  std::string body;
  char buf[8192];
  while (body.size() <= HttpApi::kMaxBody && in) {
    in.read(buf, static_cast<std::streamsize>(
                     std::min(sizeof buf, HttpApi::kMaxBody + 1 - body.size())));
    body.append(buf, static_cast<size_t>(in.gcount()));
  }
  return body;
}

class RequestHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(HttpApi& api) : api_(api) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    Reply r;
    bool whole_body_read = true;
    try {
      if (req.hasContentLength() &&
          req.getContentLength64() > static_cast<int64_t>(HttpApi::kMaxBody)) {
        r = error(413, "body larger than 64 KiB");
        whole_body_read = false;
      } else {
        // (Poco itself answers "Expect: 100-continue" before calling us.)
        std::string body = read_body(req.stream());
        if (body.size() > HttpApi::kMaxBody) {
          r = error(413, "body larger than 64 KiB");
          whole_body_read = false;
        } else {
          r = api_.handle(req.getMethod(), req.getURI(), req.get("Authorization", ""), body);
        }
      }
    } catch (const std::exception& e) {
      std::cerr << "skydns-registry: API request failed: " << e.what() << "\n";
      r = error(500, "internal error");
      whole_body_read = false;
    } catch (...) {
      r = error(500, "internal error");
      whole_body_read = false;
    }
    try {
      // An unread body would be taken for the next request on the connection.
      if (!whole_body_read) resp.setKeepAlive(false);
      resp.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(r.status));
      resp.setContentType("application/json");
      if (!r.allow.empty()) resp.set("Allow", r.allow);
      resp.setContentLength(static_cast<std::streamsize>(r.body.size()));
      resp.send() << r.body;
    } catch (...) {
      // The client went away; nothing left to tell it.
    }
  }

 private:
  HttpApi& api_;
};

class HandlerFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(HttpApi& api) : api_(api) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(api_);
  }

 private:
  HttpApi& api_;
};

}  // namespace

HttpApi::HttpApi(Registry& reg, std::string addr, std::string secret)
    : impl_(std::make_unique<Impl>(reg, std::move(addr), std::move(secret))) {}

HttpApi::~HttpApi() { stop(); }

void HttpApi::start() {
  if (impl_->server_) return;
  try {
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but not SO_REUSEPORT (Poco's default with
    // reuse): a second server on the same port must fail, not share it.
    socket.bind(listen_address(impl_->addr_), true, false);
    socket.listen(64);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(4);
    params->setMaxQueued(64);
    // Bounds how long a slow client can hold one of the few threads.
    params->setTimeout(Poco::Timespan(10, 0));
    params->setKeepAliveTimeout(Poco::Timespan(10, 0));
    impl_->pool_ = std::make_unique<Poco::ThreadPool>(1, 4);
    impl_->server_ = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(*this),
                                                             *impl_->pool_, socket, params);
    impl_->server_->start();
  } catch (const Poco::Exception& e) {
    impl_->server_.reset();
    throw std::runtime_error("skydns-registry: cannot listen on " + impl_->addr_ + ": " +
                             e.displayText());
  }
  impl_->sender_.start();
}

void HttpApi::stop() {
  if (impl_->server_) {
    impl_->server_->stopAll(true);
    impl_->server_.reset();
    impl_->pool_->joinAll();
    impl_->pool_.reset();
  }
  impl_->sender_.stop();
}

void HttpApi::notify_removed(const Service& s) { impl_->notify_removed(s); }

HttpApi::Reply HttpApi::handle(const std::string& method, const std::string& uri,
                               const std::string& authorization, const std::string& body) {
  try {
    return impl_->dispatch(method, uri, authorization, body);
  } catch (const std::exception& e) {
    std::cerr << "skydns-registry: API request failed: " << e.what() << "\n";
    return error(500, "internal error");
  }
}

}  // namespace skycore::plugins::skydns_registry
