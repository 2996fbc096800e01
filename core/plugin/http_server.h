// skycore's own HTTP/1.1 listener for health, ready, metrics and the
// registry API. Event-driven on one thread, so idle or slow clients cost a
// socket and a little memory, never a thread: every phase has a deadline
// (the whole head, the body, each response write, keep-alive idle), the
// number of connections is capped, and at the cap the longest-idle
// connection (or the slowest one still sending its head) is closed to make
// room for the new one. Handlers that block (a disk fsync, an etcd round
// trip) run on a small pool of their own so they never stall the I/O, or
// answer later through a Respond (an AsyncHandler): the registry answers
// writes from its commit thread once their group commit is durable, so a
// request waiting for an fsync holds no thread at all.
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/plugin/http_request.h"
#include "core/plugin/http_response.h"

namespace skycore {


struct HttpLimits {
  size_t max_connections = 512;
  std::chrono::milliseconds head_timeout{5000};   // from the first wait to the blank line
  std::chrono::milliseconds idle_timeout{15000};  // keep-alive: between requests
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds write_timeout{10000};
  size_t max_head = 16 * 1024;
  size_t max_body = 64 * 1024;
  size_t handler_threads = 0;  // 0: run the handler on the I/O thread (it must not block)
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Answers the request it was given; callable from any thread, at most
  // once (later calls are ignored), also after the server is gone (then it
  // does nothing).
  using Respond = std::function<void(HttpResponse)>;
  // Must call `respond` once, now or later; the request is only valid
  // during the call. An exception before responding answers 500.
  using AsyncHandler = std::function<void(const HttpRequest&, Respond respond)>;
  // ADDR is HOST:PORT (empty host: all interfaces). Listens at once; throws
  // std::runtime_error when it cannot.
  HttpServer(const std::string& addr, HttpLimits limits, Handler handler);
  HttpServer(const std::string& addr, HttpLimits limits, AsyncHandler handler);
  ~HttpServer();  // closes every connection and joins its threads
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace skycore
