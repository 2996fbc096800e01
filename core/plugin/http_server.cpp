#include "core/plugin/http_server.h"
#include "core/plugin/http_server_impl.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <mutex>
#include <list>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/plugin/http_probe.h"
#include "core/plugin/http_stream.h"

namespace skycore {

namespace {
using tcp = asio::ip::tcp;
using Phase = HttpServer::Impl::Phase;
using Clock = HttpServer::Impl::Clock;
}  // namespace

void HttpServer::Impl::unlist(Conn& c) {
  if (!c.listed) return;
  c.listed = false;
  conns.erase(c.pos);
}

bool HttpServer::Impl::evict_one() {
  Conn* victim = nullptr;
  for (Phase p : {Phase::idle, Phase::head}) {
    for (auto& c : conns)
      if (c->phase == p && (!victim || c->since < victim->since)) victim = c.get();
    if (victim) break;
  }
  if (!victim) return false;
  victim->close();
  unlist(*victim);
  return true;
}

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  while (acceptor.is_open()) {
    asio::error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor.is_open()) co_return;
      // EMFILE and friends: wait a little rather than spin.
      asio::steady_timer t(io, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (conns.size() >= limits.max_connections && !evict_one()) {
      s.close(ec);  // every slot is answering a request: refuse this one
      continue;
    }
    s.set_option(tcp::no_delay(true), ec);
    auto c = std::make_shared<Conn>(std::move(s));
    conns.push_back(c);
    c->pos = std::prev(conns.end());
    asio::co_spawn(io, watchdog(c), asio::detached);
    asio::co_spawn(io, serve(c), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::watchdog(std::shared_ptr<Conn> c) {
  asio::error_code ec;
  while (c->sock.is_open()) {
    c->timer.expires_at(c->deadline);
    co_await c->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (c->sock.is_open() && Clock::now() >= c->deadline) c->close();
  }
}

asio::awaitable<bool> HttpServer::Impl::read_more(Conn& c, std::string& buf) {
  char chunk[4096];
  asio::error_code ec;
  size_t n = co_await c.sock.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
  if (ec || n == 0) co_return false;
  buf.append(chunk, n);
  co_return true;
}

asio::awaitable<void> HttpServer::Impl::write(Conn& c, std::string_view bytes) { co_await write(c, bytes, limits.write_timeout); }

asio::awaitable<void> HttpServer::Impl::write(Conn& c, std::string_view bytes, std::chrono::milliseconds timeout) {
  c.enter(Phase::writing, timeout);
  asio::error_code ec;
  co_await asio::async_write(c.sock, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) c.close();
}

asio::awaitable<void> HttpServer::Impl::refuse(Conn& c, const HttpResponse& r) {
  co_await write(c, serialize_response(r, false, true));
  if (!c.sock.is_open()) co_return;
  asio::error_code ec;
  c.sock.shutdown(tcp::socket::shutdown_send, ec);
  c.enter(Phase::writing, std::chrono::milliseconds(1000));
  std::string sink;
  for (size_t drained = 0; drained < 256 * 1024 && co_await read_more(c, sink); sink.clear()) drained += sink.size();
  c.close();
}

asio::awaitable<std::optional<HttpError>> HttpServer::Impl::read_body(Conn& c, HttpRequest& req, std::string& buf) {
  c.enter(Phase::body, limits.body_timeout);
  if (req.content_length) {
    size_t want = *req.content_length;
    while (buf.size() < want)
      if (!co_await read_more(c, buf)) co_return HttpError{0, ""};
    req.body = buf.substr(0, want);
    buf.erase(0, want);
    co_return std::nullopt;
  }
  // chunked: size [;ext] CRLF data CRLF ... 0 CRLF [trailers] CRLF
  size_t pos = 0;
  while (true) {
    size_t eol;
    while ((eol = buf.find("\r\n", pos)) == std::string::npos) {
      if (buf.size() - pos > 1024) co_return HttpError{400, "malformed chunk"};
      if (!co_await read_more(c, buf)) co_return HttpError{0, ""};
    }
    std::string_view line(buf.data() + pos, eol - pos);
    line = line.substr(0, line.find(';'));
    size_t size = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc() || p != line.data() + line.size() || line.empty())
      co_return ec == std::errc::result_out_of_range ? HttpError{413, body_too_large(limits.max_body)}
                                                     : HttpError{400, "malformed chunk"};
    pos = eol + 2;
    if (size == 0) {  // trailers, ignored, up to the blank line
      while (true) {
        while ((eol = buf.find("\r\n", pos)) == std::string::npos) {
          if (buf.size() - pos > limits.max_head) co_return HttpError{431, "trailers too large"};
          if (!co_await read_more(c, buf)) co_return HttpError{0, ""};
        }
        bool blank = eol == pos;
        pos = eol + 2;
        if (blank) break;
      }
      buf.erase(0, pos);
      co_return std::nullopt;
    }
    if (size > limits.max_body - req.body.size()) co_return HttpError{413, body_too_large(limits.max_body)};
    while (buf.size() < pos + size + 2)
      if (!co_await read_more(c, buf)) co_return HttpError{0, ""};
    if (buf.compare(pos + size, 2, "\r\n") != 0) co_return HttpError{400, "malformed chunk"};
    req.body.append(buf, pos, size);
    pos += size + 2;
  }
}

HttpServer::Respond HttpServer::Impl::responder(const std::shared_ptr<Waiting>& w) {
  return [weak = std::weak_ptr<Waiting>(w), gate = gate,
          once = std::make_shared<std::atomic<bool>>(false)](HttpResponse r) {
    if (once->exchange(true)) return;
    std::lock_guard lock(gate->mu);
    if (!gate->io) return;
    asio::post(*gate->io, [weak, r = std::move(r)]() mutable {
      if (auto w = weak.lock()) {
        w->response = std::move(r);
        w->wake.cancel();
      }
    });
  };
}

asio::awaitable<HttpResponse> HttpServer::Impl::call(const HttpRequest& req) {
  auto waiting = std::make_shared<Waiting>(io);
  Respond respond = responder(waiting);
  auto run = [this, &req, respond] {
    try {
      handler(req, respond);
    } catch (const std::exception&) {
      respond(http_json_error(500, "internal error"));
    }
  };
  if (!pool) {
    run();
  } else {
    co_await asio::co_spawn(
        pool->get_executor(), [&]() -> asio::awaitable<void> { run(); co_return; }, asio::use_awaitable);
  }
  asio::error_code ec;
  while (!waiting->response) co_await waiting->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return std::move(*waiting->response);
}

asio::awaitable<void> HttpServer::Impl::serve(std::shared_ptr<Conn> c) {
  std::string buf;
  bool first = true;
  while (c->sock.is_open()) {
    // The head: idle (keep-alive) until its first byte, then head_timeout
    // for the rest; a new connection gets head_timeout from the start.
    if (buf.empty() && !first) {
      c->enter(Phase::idle, limits.idle_timeout);
      if (!co_await read_more(*c, buf)) break;
    }
    c->enter(first && buf.empty() ? Phase::idle : Phase::head, limits.head_timeout);
    first = false;
    size_t end, scanned = 0;
    while ((end = buf.find("\r\n\r\n", scanned)) == std::string::npos) {
      if (buf.size() > limits.max_head) break;
      scanned = buf.size() < 3 ? 0 : buf.size() - 3;
      if (!co_await read_more(*c, buf)) break;
      c->phase = Phase::head;
    }
    if (!c->sock.is_open()) break;
    if (end == std::string::npos || end > limits.max_head) {
      if (buf.size() > limits.max_head) co_await refuse(*c, http_json_error(431, "request head too large"));
      break;
    }
    HttpRequest req;
    auto err = parse_http_head(std::string_view(buf).substr(0, end), limits.max_body, req);
    buf.erase(0, end + 4);
    if (err) {
      co_await refuse(*c, http_json_error(err->status, err->reason));
      break;
    }
    if (req.expect_continue && (req.chunked || req.content_length.value_or(0) > buf.size())) {
      co_await write(*c, "HTTP/1.1 100 Continue\r\n\r\n");
      if (!c->sock.is_open()) break;
    }
    if (req.chunked || req.content_length.value_or(0) > 0) {
      auto body_err = co_await read_body(*c, req, buf);
      if (body_err) {
        if (body_err->status) co_await refuse(*c, http_json_error(body_err->status, body_err->reason));
        break;
      }
    }
    c->enter(Phase::handling, std::chrono::milliseconds(0));
    HttpResponse resp = co_await call(req);
    if (!c->sock.is_open()) break;
    co_await write(*c, serialize_response(resp, req.method == "HEAD", !req.keep_alive));
    if (resp.stream) {
      if (req.method != "HEAD") co_await stream(c, *resp.stream);
      resp.stream->close();
      resp.stream->drop();  // the handler may keep the stream a while yet
      break;
    }
    if (!req.keep_alive) {
      c->close();
      break;
    }
  }
  c->close();
  unlist(*c);
}

HttpServer::HttpServer(const std::string& addr, HttpLimits limits, Handler handler)
    : HttpServer(addr, limits, AsyncHandler([h = std::move(handler)](const HttpRequest& req, Respond respond) {
        respond(h(req));
      })) {}

HttpServer::HttpServer(const std::string& addr, HttpLimits limits, AsyncHandler handler)
    : impl_(std::make_unique<Impl>(limits, std::move(handler))) {
  impl_->gate->io = &impl_->io;
  auto a = split_listen_address(addr);
  if (!a) throw std::runtime_error("want HOST:PORT, got " + addr);
  try {
    asio::ip::address ip;
    if (a->host.empty()) {
      ip = asio::ip::address_v4::any();
    } else {
      asio::error_code ec;
      ip = asio::ip::make_address(a->host, ec);
      if (ec) {
        tcp::resolver r(impl_->io);
        auto results = r.resolve(a->host, "", tcp::resolver::numeric_service);
        if (results.empty()) throw std::runtime_error("cannot resolve " + a->host);
        ip = results.begin()->endpoint().address();
      }
    }
    tcp::endpoint ep(ip, a->port);
    impl_->acceptor.open(ep.protocol());
    // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: a second server on
    // the same port must fail, not share it.
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(ep);
    impl_->acceptor.listen(128);
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot listen on " + addr + ": " + e.code().message());
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

HttpServer::~HttpServer() {
  {
    std::lock_guard lock(impl_->gate->mu);
    impl_->gate->io = nullptr;
  }
  asio::post(impl_->io, [this] {
    asio::error_code ec;
    impl_->acceptor.close(ec);
    for (auto& c : impl_->conns) c->close();
  });
  if (impl_->pool) impl_->pool->join();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t HttpServer::port() const {
  asio::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

}  // namespace skycore
