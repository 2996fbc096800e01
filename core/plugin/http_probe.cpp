#include "core/plugin/http_probe.h"

#include "core/corefile/port.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <stdexcept>

namespace skycore {
namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(const std::string& path, const ProbeServer::Check& check) : path_(path), check_(check) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    int status = 404;
    std::string body = "404 page not found\n";
    if (req.getURI() == path_ || req.getURI().starts_with(path_ + "?")) {
      if (req.getMethod() == "GET" || req.getMethod() == "HEAD") {
        std::tie(status, body) = check_();
      } else {
        status = 405;
        body = "method not allowed\n";
      }
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("text/plain; charset=utf-8");
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.send() << body;
  }

 private:
  const std::string& path_;
  const ProbeServer::Check& check_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(std::string path, ProbeServer::Check check) : path_(std::move(path)), check_(std::move(check)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Handler(path_, check_);
  }

 private:
  std::string path_;
  ProbeServer::Check check_;
};

Poco::Net::SocketAddress socket_address(const std::string& addr) {
  auto a = split_listen_address(addr);
  if (!a) throw std::runtime_error("want HOST:PORT, got " + addr);
  return Poco::Net::SocketAddress(a->host.empty() ? "0.0.0.0" : a->host, a->port);
}

}  // namespace

std::optional<ListenAddress> split_listen_address(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto port = corefile::parse_port(std::string_view(addr).substr(colon + 1));
  if (!port) return std::nullopt;
  std::string host = addr.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return ListenAddress{host, *port};
}

ProbeServer::ProbeServer(const std::string& addr, std::string path, Check check) {
  try {
    Poco::Net::ServerSocket socket;
    socket.bind(socket_address(addr), true, false);  // reuse address, but never share the port
    socket.listen(64);
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    params->setKeepAlive(false);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(std::move(path), std::move(check)), socket, params);
    server_->start();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + addr + ": " + e.displayText());
  }
}

ProbeServer::~ProbeServer() {
  if (server_) server_->stopAll(true);
}

}  // namespace skycore
