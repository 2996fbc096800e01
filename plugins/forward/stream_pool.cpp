#include "plugins/forward/stream_pool.h"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <openssl/ssl.h>

#include "core/wire/header.h"

namespace skycore::plugins::forward {

// A TCP connection, optionally wrapped in TLS.
class StreamConn {
 public:
  StreamConn(asio::any_io_executor ex, asio::ssl::context* tls)
      : tcp_(ex), tls_(tls ? std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(tcp_, *tls)
                           : nullptr) {}
  asio::ip::tcp::socket& tcp() { return tcp_; }
  asio::ssl::stream<asio::ip::tcp::socket&>* tls() { return tls_.get(); }
  void close() {
    asio::error_code ec;
    tcp_.close(ec);
  }
  Clock::time_point last_used = Clock::now();

  template <typename Buffers>
  asio::awaitable<void> write(const Buffers& b, asio::error_code& ec) {
    if (tls_) co_await asio::async_write(*tls_, b, asio::redirect_error(asio::use_awaitable, ec));
    else co_await asio::async_write(tcp_, b, asio::redirect_error(asio::use_awaitable, ec));
  }
  template <typename Buffers>
  asio::awaitable<void> read(const Buffers& b, asio::error_code& ec) {
    if (tls_) co_await asio::async_read(*tls_, b, asio::redirect_error(asio::use_awaitable, ec));
    else co_await asio::async_read(tcp_, b, asio::redirect_error(asio::use_awaitable, ec));
  }

 private:
  asio::ip::tcp::socket tcp_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

namespace {

// Closes the connection when the deadline passes, which fails whatever
// operation is pending on it.
std::shared_ptr<asio::steady_timer> watchdog(asio::any_io_executor ex,
                                             const std::shared_ptr<StreamConn>& c,
                                             Clock::time_point deadline) {
  auto t = std::make_shared<asio::steady_timer>(ex, deadline);
  t->async_wait([weak = std::weak_ptr<StreamConn>(c)](asio::error_code ec) {
    if (ec) return;
    if (auto conn = weak.lock()) conn->close();
  });
  return t;
}

}  // namespace

StreamPool::StreamPool(asio::any_io_executor ex, const UpstreamAddress& upstream,
                       asio::ssl::context* tls, const std::string& server_name, milliseconds expire)
    : ex_(ex),
      endpoint_(upstream.ip, upstream.port),
      tls_(tls),
      server_name_(server_name),
      expire_(expire),
      ticker_(ex) {}

StreamPool::~StreamPool() = default;

void StreamPool::start() {
  auto self = shared_from_this();
  asio::co_spawn(ex_, [self]() { return self->expire_loop(); }, asio::detached);
}

void StreamPool::close() {
  closed_ = true;
  ticker_.cancel();
  for (auto& c : idle_) c->close();
  idle_.clear();
  for (auto& w : busy_)
    if (auto c = w.lock()) c->close();
  busy_.clear();
}

asio::awaitable<void> StreamPool::expire_loop() {
  asio::error_code ec;
  while (!closed_) {
    ticker_.expires_after(std::max(expire_ / 4, milliseconds(100)));
    co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    auto now = Clock::now();
    std::erase_if(idle_, [&](const std::shared_ptr<StreamConn>& c) {
      if (now - c->last_used < expire_) return false;
      c->close();
      return true;
    });
  }
}

asio::awaitable<std::shared_ptr<StreamConn>> StreamPool::connect(Clock::time_point deadline) {
  auto c = std::make_shared<StreamConn>(ex_, tls_);
  auto dog = watchdog(ex_, c, deadline);
  asio::error_code ec;
  co_await c->tcp().async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return nullptr;
  c->tcp().set_option(asio::ip::tcp::no_delay(true), ec);
  if (auto* s = c->tls()) {
    if (!server_name_.empty()) {
      SSL_set_tlsext_host_name(s->native_handle(), server_name_.c_str());
      s->set_verify_callback(asio::ssl::host_name_verification(server_name_));
    }
    co_await s->async_handshake(asio::ssl::stream_base::client,
                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return nullptr;
  }
  dog->cancel();
  co_return c;
}

asio::awaitable<ExchangeResult> StreamPool::exchange(std::span<uint8_t> query, uint16_t id,
                                                     const wire::Query& q, std::span<uint8_t> reply,
                                                     Clock::time_point deadline) {
  if (closed_) co_return ExchangeResult{0, ExchangeError::closed};
  wire::store16(query.data(), id);
  // A reused connection may have been closed by the upstream meanwhile:
  // one retry on a fresh connection covers that race.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::shared_ptr<StreamConn> c;
    bool reused = !idle_.empty();
    if (reused) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      c = co_await connect(deadline);
      if (!c) co_return ExchangeResult{0, Clock::now() >= deadline ? ExchangeError::timeout
                                                                  : ExchangeError::network};
    }
    std::erase_if(busy_, [](const std::weak_ptr<StreamConn>& w) { return w.expired(); });
    busy_.push_back(c);
    auto dog = watchdog(ex_, c, deadline);
    uint8_t len[2];
    wire::store16(len, static_cast<uint16_t>(query.size()));
    std::array<asio::const_buffer, 2> out = {asio::buffer(len), asio::buffer(query.data(), query.size())};
    asio::error_code ec;
    co_await c->write(out, ec);
    // Messages that are not the answer (wrong ID or question: strays or
    // spoofs) are skipped; the watchdog bounds how long we keep reading.
    size_t n = 0;
    bool matched = false;
    while (!ec && !matched) {
      uint8_t rlen[2];
      co_await c->read(asio::buffer(rlen), ec);
      n = wire::load16(rlen);
      if (!ec && n > reply.size()) ec = asio::error::message_size;
      if (!ec) co_await c->read(asio::buffer(reply.data(), n), ec);
      matched = !ec && reply_matches({reply.data(), n}, id, q);
    }
    dog->cancel();
    if (ec) {
      c->close();
      if (reused && Clock::now() < deadline) continue;
      co_return ExchangeResult{0, Clock::now() >= deadline ? ExchangeError::timeout
                                                           : ExchangeError::network};
    }
    c->last_used = Clock::now();
    if (!closed_) idle_.push_back(std::move(c));
    co_return ExchangeResult{n, ExchangeError::none};
  }
  co_return ExchangeResult{0, ExchangeError::network};
}

}  // namespace skycore::plugins::forward
