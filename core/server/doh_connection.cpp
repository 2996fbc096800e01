#include "core/server/doh_connection.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include "core/plugin/http_request.h"
#include "core/plugin/http_response.h"
#include "core/server/address.h"
#include "core/server/doh_request.h"
#include "core/server/query_handler.h"
#include "core/server/tcp_buffers.h"

namespace skycore::server {
namespace {

constexpr size_t kMaxHead = 16 * 1024;
constexpr size_t kMaxBody = wire::kMaxMessage;
constexpr size_t kMaxStreams = 100;

using Headers = std::vector<std::pair<std::string, std::string>>;

// The headers of a DNS answer: its media type and, as RFC 8484 5.1 asks, a
// freshness no longer than its smallest TTL.
Headers answer_headers(const std::vector<uint8_t>& response) {
  Headers h{{"content-type", std::string(kDohMediaType)}};
  int64_t ttl = smallest_ttl(response);
  if (ttl >= 0) h.emplace_back("cache-control", fmt::format("max-age={}", ttl));
  return h;
}

}  // namespace

DohConnection::DohConnection(asio::ip::tcp::socket sock, const ListenerSpec& spec, const TcpLimits& limits,
                             uint16_t worker)
    : sock_(std::move(sock)),
      tls_(sock_, *spec.tls),
      idle_timer_(sock_.get_executor()),
      read_resume_(sock_.get_executor(), asio::steady_timer::time_point::max()),
      spec_(spec),
      limits_(limits),
      worker_(worker),
      read_timeout_(spec.tcp_read.count() ? spec.tcp_read : limits.idle_timeout),
      write_timeout_(spec.tcp_write.count() ? spec.tcp_write : limits.idle_timeout),
      idle_timeout_(spec.tcp_idle.count() ? spec.tcp_idle : limits.idle_timeout) {
  touch();
}

void DohConnection::close() {
  asio::error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  idle_timer_.cancel();
  read_resume_.cancel();
}

asio::awaitable<void> DohConnection::run() {
  auto self = shared_from_this();
  asio::co_spawn(sock_.get_executor(), idle_watchdog(), asio::detached);
  asio::error_code ec;
  partial_ = true;
  co_await tls_.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  partial_ = false;
  touch();
  if (ec) {
    close();
    co_return;
  }
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(tls_.native_handle(), &proto, &len);
  if (len == 2 && proto[0] == 'h' && proto[1] == '2') co_await serve_http2();
  else co_await serve_http1();
  close();
}

asio::awaitable<std::vector<uint8_t>> DohConnection::resolve(std::vector<uint8_t> query) {
  auto self = shared_from_this();
  std::vector<uint8_t> out = TcpBuffers::mine().take(wire::kMaxMessage);
  Request req;
  req.transport = Transport::tcp;  // a stream: no truncation, 64 KiB answers
  req.worker = worker_;
  req.server = spec_.label;
  req.packet = query;
  req.response_storage = {out.data(), wire::kMaxMessage};
  set_stream_endpoints(req, sock_);
  co_await handle_query(req, spec_.zones);
  std::vector<uint8_t> answer(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(req.response.size()));
  TcpBuffers::mine().give(std::move(out));
  co_return answer;
}

// HTTP/1.1: one request at a time on the connection, kept alive unless the
// client says otherwise.
asio::awaitable<void> DohConnection::serve_http1() {
  auto self = shared_from_this();
  std::string buf;
  char chunk[4096];
  asio::error_code ec;
  while (sock_.is_open()) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxHead) co_return;
      size_t n = co_await tls_.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      if (!partial_) {
        partial_ = true;
        if (read_timeout_ < idle_timeout_) idle_timer_.cancel();  // the watchdog looks again
      }
      touch();
      buf.append(chunk, n);
    }
    HttpRequest req;
    HttpResponse resp;
    bool close_after = false;
    std::vector<uint8_t> body;
    if (auto err = parse_http_head(std::string_view(buf).substr(0, end), kMaxBody, req)) {
      resp = HttpResponse{err->status, "text/plain; charset=utf-8", err->reason + "\n", {}};
      close_after = true;
    } else if (req.chunked) {
      resp = HttpResponse{411, "text/plain; charset=utf-8", "a Content-Length is needed\n", {}};
      close_after = true;
    } else {
      size_t want = req.content_length.value_or(0);
      buf.erase(0, end + 4);
      while (buf.size() < want) {
        size_t n = co_await tls_.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return;
        touch();
        buf.append(chunk, n);
      }
      body.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(want));
      buf.erase(0, want);
      partial_ = false;  // the request is in: answering may take as long as the chain takes
      end = std::string::npos;
      close_after = !req.keep_alive;
      DohQuery q = parse_doh_request(req.method, req.target, body);
      if (q.status != 200) {
        resp = HttpResponse{q.status, "text/plain; charset=utf-8", q.reason + "\n", {}};
        if (q.status == 405) resp.headers.emplace_back("Allow", "GET, POST");
      } else {
        ++inflight_;
        auto answer = co_await resolve(std::move(q.message));
        --inflight_;
        if (answer.empty()) {
          resp = HttpResponse{500, "text/plain; charset=utf-8", "no answer\n", {}};
        } else {
          resp = HttpResponse{200, std::string(kDohMediaType), std::string(answer.begin(), answer.end()), {}};
          if (int64_t ttl = smallest_ttl(answer); ttl >= 0)
            resp.headers.emplace_back("Cache-Control", fmt::format("max-age={}", ttl));
        }
      }
    }
    if (end != std::string::npos) buf.clear();
    partial_ = false;
    std::string out = serialize_response(resp, false, close_after);
    write_started_ = std::chrono::steady_clock::now();
    writing_ = true;
    if (write_timeout_ < idle_timeout_) idle_timer_.cancel();
    co_await asio::async_write(tls_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
    writing_ = false;
    touch();
    if (ec || close_after) co_return;
  }
}

asio::awaitable<void> DohConnection::serve_http2() {
  auto self = shared_from_this();
  auto ex = co_await asio::this_coro::executor;
  // 100 streams, as RFC 9113 recommends at least and unbound allows: a
  // client with one connection (dnsperf, browsers) keeps that many queries
  // in flight; their bytes together stay within max_queued_bytes.
  h2_ = std::make_unique<H2ServerSession>(kMaxStreams, kMaxBody, limits_.max_queued_bytes, [this, ex](H2Request& r) {
    ++inflight_;
    asio::co_spawn(ex, answer_h2(std::move(r)), asio::detached);
  });
  co_await flush_h2();  // the server's SETTINGS
  uint8_t chunk[16 * 1024];
  asio::error_code ec;
  while (sock_.is_open()) {
    // Streams a client resets free their slots while their answers are
    // still being worked out: reading pauses at that many in flight.
    if (inflight_ >= kMaxStreams) {
      co_await read_resume_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    size_t n = co_await tls_.async_read_some(asio::buffer(chunk), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    touch();
    // ACK at once: a client that writes HEADERS and DATA separately with
    // Nagle on (dnsperf) holds the DATA until our ACK, which the kernel
    // would delay by 40 ms since we have nothing to send until it comes.
    // Linux clears quick-ack mode by itself, hence after every read.
    int one = 1;
    ::setsockopt(sock_.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    feeding_ = true;  // answers made inside feed() wait for the flush below
    bool ok = h2_->feed({chunk, n});
    feeding_ = false;
    if (!ok) break;  // a protocol error: nghttp2 queued a GOAWAY
    co_await flush_h2();
    if (h2_->done()) break;
  }
  co_await flush_h2();
}

asio::awaitable<void> DohConnection::answer_h2(H2Request r) {
  auto self = shared_from_this();
  DohQuery q = parse_doh_request(r.method, r.path, r.body);
  if (q.status != 200) {
    std::string text = q.reason + "\n";
    Headers h{{"content-type", "text/plain; charset=utf-8"}};
    if (q.status == 405) h.emplace_back("allow", "GET, POST");
    if (h2_) h2_->respond(r.stream, q.status, std::move(h), {text.begin(), text.end()});
  } else {
    auto answer = co_await resolve(std::move(q.message));
    if (!h2_ || !sock_.is_open()) {
      --inflight_;
      read_resume_.cancel_one();
      co_return;
    }
    if (answer.empty()) {
      std::string text = "no answer\n";
      h2_->respond(r.stream, 500, {{"content-type", "text/plain; charset=utf-8"}}, {text.begin(), text.end()});
    } else {
      Headers h = answer_headers(answer);
      h2_->respond(r.stream, 200, std::move(h), std::move(answer));
    }
  }
  --inflight_;
  read_resume_.cancel_one();
  co_await flush_h2();
}

// One writer at a time; a flush asked for while one runs makes it go round again.
asio::awaitable<void> DohConnection::flush_h2() {
  auto self = shared_from_this();
  // Never from inside nghttp2's own callbacks (an answer ready at once runs
  // within feed()): the read loop flushes right after feed() returns.
  if (feeding_) co_return;
  if (writing_) {
    write_again_ = true;
    co_return;
  }
  writing_ = true;
  if (write_timeout_ < idle_timeout_) idle_timer_.cancel();
  std::vector<uint8_t> out;
  asio::error_code ec;
  do {
    write_again_ = false;
    for (;;) {
      out.clear();
      if (h2_) h2_->take_output(out, 64 * 1024);
      if (out.empty() || !sock_.is_open()) break;
      write_started_ = std::chrono::steady_clock::now();
      co_await asio::async_write(tls_, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        close();
        break;
      }
      touch();
      write_started_ = std::chrono::steady_clock::now();
    }
  } while (write_again_ && sock_.is_open());
  writing_ = false;
}

asio::awaitable<void> DohConnection::idle_watchdog() {
  auto self = shared_from_this();
  asio::error_code ec;
  while (sock_.is_open()) {
    const auto timeout = writing_ ? write_timeout_ : partial_ ? read_timeout_ : idle_timeout_;
    // A write must progress within the write timeout, however busy the
    // client keeps the read side (WINDOW_UPDATEs, PINGs).
    auto deadline = (writing_ ? write_started_ : last_activity_) + timeout;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      if (idle() || writing_ || partial_) break;
      deadline = now + timeout;  // answers still being worked out keep it open
    }
    idle_timer_.expires_at(deadline);
    co_await idle_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  close();
}

}  // namespace skycore::server
