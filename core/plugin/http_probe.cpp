#include "core/plugin/http_probe.h"

#include "core/corefile/port.h"

#include <arpa/inet.h>

#include <stdexcept>

#include "core/plugin/http_server.h"

namespace skycore {

std::optional<ListenAddress> split_listen_address(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto port = corefile::parse_port(std::string_view(addr).substr(colon + 1));
  if (!port) return std::nullopt;
  std::string host = addr.substr(0, colon);
  bool bracketed = host.size() > 1 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  // An IP literal (strictly: 999.0.0.1 is not one), localhost, or nothing:
  // a name that needs resolving could pass -validate and fail at start.
  unsigned char buf[16];
  bool v4 = !bracketed && inet_pton(AF_INET, host.c_str(), buf) == 1;
  bool v6 = host.find(':') != std::string::npos && inet_pton(AF_INET6, host.c_str(), buf) == 1;
  if (!host.empty() && host != "localhost" && !v4 && !v6) return std::nullopt;
  if (host.find(':') != std::string::npos && !bracketed) return std::nullopt;  // "::1:80" is ambiguous
  return ListenAddress{host, *port};
}

ProbeServer::ProbeServer(const std::string& addr, std::string path, Check check) {
  HttpLimits limits;
  limits.max_body = 0;  // probes send no bodies
  server_ = std::make_unique<HttpServer>(
      addr, limits, [path = std::move(path), check = std::move(check)](const HttpRequest& req) {
        HttpResponse r{404, "text/plain; charset=utf-8", "404 page not found\n", {}};
        if (req.target == path || req.target.starts_with(path + "?")) {
          if (req.method == "GET" || req.method == "HEAD") {
            std::tie(r.status, r.body) = check();
          } else {
            r.status = 405;
            r.body = "method not allowed\n";
            r.headers.emplace_back("Allow", "GET, HEAD");
          }
        }
        return r;
      });
}

ProbeServer::~ProbeServer() = default;

}  // namespace skycore
