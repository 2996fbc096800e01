// HttpServer's insides, shared by its files: http_server.cpp (listening,
// connections, requests and their bodies) and http_server_stream.cpp (a
// streamed response written out). Not for plugins: they see http_server.h.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/plugin/http_server.h"

namespace skycore {

class HttpStream;

struct HttpServer::Impl {
  using Clock = std::chrono::steady_clock;
  using tcp = asio::ip::tcp;
  enum class Phase { idle, head, body, handling, writing };

  struct Conn {
    explicit Conn(tcp::socket s) : sock(std::move(s)), timer(sock.get_executor()) {}
    tcp::socket sock;
    asio::steady_timer timer;
    Clock::time_point deadline = Clock::time_point::max();
    Phase phase = Phase::idle;
    Clock::time_point since = Clock::now();
    bool listed = true;
    std::list<std::shared_ptr<Conn>>::iterator pos;

    void enter(Phase p, std::chrono::milliseconds limit) {
      phase = p;
      since = Clock::now();
      deadline = limit.count() > 0 ? since + limit : Clock::time_point::max();
      timer.expires_at(deadline);  // wakes the watchdog to look again
    }
    void close() {
      asio::error_code ec;
      sock.shutdown(tcp::socket::shutdown_both, ec);
      sock.close(ec);
      timer.cancel();
    }
  };

  Impl(HttpLimits l, AsyncHandler h) : limits(l), handler(std::move(h)), acceptor(io) {
    if (limits.handler_threads > 0) pool = std::make_unique<asio::thread_pool>(limits.handler_threads);
  }

  // What a Respond posts to: cleared when the server goes, so that a late
  // answer from another thread never touches a destroyed io_context.
  struct Gate {
    std::mutex mu;
    asio::io_context* io = nullptr;
  };
  // One request's answer, filled in on the I/O thread; `wake` is cancelled
  // to resume the connection waiting for it. Only the waiting coroutine
  // owns it (a Respond held elsewhere must not keep a timer of this
  // io_context alive past it).
  struct Waiting {
    explicit Waiting(asio::io_context& io) : wake(io, Clock::time_point::max()) {}
    asio::steady_timer wake;
    std::optional<HttpResponse> response;
  };

  HttpLimits limits;
  AsyncHandler handler;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::unique_ptr<asio::thread_pool> pool;
  std::list<std::shared_ptr<Conn>> conns;  // I/O thread only
  std::thread thread;

  void unlist(Conn& c);

  // At the cap: the connection idle longest goes first, then the one that has
  // spent longest sending its head (a slow or dripping client). Connections
  // whose request is being answered are never cut off.
  bool evict_one();

  asio::awaitable<void> accept_loop();

  static asio::awaitable<void> watchdog(std::shared_ptr<Conn> c);

  // Reads more bytes into buf; false when the connection is gone.
  static asio::awaitable<bool> read_more(Conn& c, std::string& buf);

  asio::awaitable<void> write(Conn& c, std::string_view bytes);
  asio::awaitable<void> write(Conn& c, std::string_view bytes, std::chrono::milliseconds timeout);

  // Answers an error and closes. The unread rest of the request is drained
  // briefly first, so the close does not reset the connection before the
  // client has read why.
  asio::awaitable<void> refuse(Conn& c, const HttpResponse& r);

  // The body after the head, by Content-Length or chunked; buf holds what
  // was read past the head and keeps what follows the body (pipelining).
  asio::awaitable<std::optional<HttpError>> read_body(Conn& c, HttpRequest& req, std::string& buf);

  Respond responder(const std::shared_ptr<Waiting>& w);

  asio::awaitable<HttpResponse> call(const HttpRequest& req);

  // Writes what the stream brings until it closes or the client goes. The
  // connection waits in Phase::handling meanwhile: never evicted (the
  // handler caps its streams), and a client that stops reading is cut off
  // by the write timeout or the stream's own buffer cap.
  asio::awaitable<void> stream(const std::shared_ptr<Conn>& cp, HttpStream& s);

  asio::awaitable<void> serve(std::shared_ptr<Conn> c);
};

}  // namespace skycore
