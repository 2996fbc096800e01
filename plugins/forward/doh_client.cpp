#include "plugins/forward/doh_client.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include <cstring>

#include "core/wire/header.h"

namespace skycore::plugins::forward {

// One exchange waiting for its stream to end.
struct DohClient::Waiter {
  asio::steady_timer timer;
  bool done = false;
  H2ClientSession::Done result;
};

struct DohClient::Conn {
  Conn(asio::any_io_executor ex, asio::ssl::context& ctx) : tcp(ex), tls(tcp, ctx) {}
  asio::ip::tcp::socket tcp;
  asio::ssl::stream<asio::ip::tcp::socket&> tls;
  std::unique_ptr<H2ClientSession> h2;
  std::map<int32_t, Waiter*> waiters;
  bool writing = false, write_again = false, dead = false;
  Clock::time_point last_used = Clock::now();
  void kill() {
    dead = true;
    asio::error_code ec;
    tcp.close(ec);
    if (h2) h2->fail_all();
  }
};

DohClient::DohClient(asio::any_io_executor ex, const UpstreamAddress& upstream, asio::ssl::context* tls,
                     const std::string& server_name, milliseconds expire)
    : ex_(ex),
      endpoint_(upstream.ip, upstream.port),
      tls_(tls),
      server_name_(server_name),
      path_(upstream.path),
      expire_(expire),
      connected_(ex, Clock::time_point::max()),  // waited on, only ever cancelled
      ticker_(ex) {
  // :authority is the name the certificate is checked against, else the address.
  authority_ = !server_name.empty() ? server_name
               : upstream.ip.is_v6() ? fmt::format("[{}]", upstream.ip.to_string())
                                     : upstream.ip.to_string();
  if (upstream.port != 443) authority_ += fmt::format(":{}", upstream.port);
}

DohClient::~DohClient() = default;

void DohClient::start() {
  auto self = shared_from_this();
  asio::co_spawn(ex_, [self]() { return self->expire_loop(); }, asio::detached);
}

void DohClient::close() {
  closed_ = true;
  ticker_.cancel();
  connected_.cancel();
  if (conn_) conn_->kill();
  conn_.reset();
}

asio::awaitable<void> DohClient::expire_loop() {
  auto self = shared_from_this();
  asio::error_code ec;
  while (!closed_) {
    ticker_.expires_after(std::max(expire_ / 4, milliseconds(100)));
    co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (conn_ && conn_->waiters.empty() && Clock::now() - conn_->last_used >= expire_) {
      conn_->kill();
      conn_.reset();
    }
  }
}

asio::awaitable<std::shared_ptr<DohClient::Conn>> DohClient::connection(Clock::time_point deadline) {
  auto self = shared_from_this();
  asio::error_code ec;
  while (!closed_ && Clock::now() < deadline) {
    if (conn_ && !conn_->dead && conn_->h2 && conn_->h2->usable()) co_return conn_;
    if (!connecting_) {
      connecting_ = true;
      conn_ = co_await connect(deadline);
      connecting_ = false;
      connected_.cancel();
      if (closed_ && conn_) {  // closed while connecting
        conn_->kill();
        conn_.reset();
      }
      co_return conn_;
    }
    // Another exchange is connecting, within its own deadline: wait for it.
    // (Not expires_at here: that would cancel the other waiters' waits,
    // and they ours, round and round.)
    co_await connected_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return nullptr;
}

asio::awaitable<std::shared_ptr<DohClient::Conn>> DohClient::connect(Clock::time_point deadline) {
  auto c = std::make_shared<Conn>(ex_, *tls_);
  asio::steady_timer dog(ex_, deadline);
  dog.async_wait([weak = std::weak_ptr<Conn>(c)](asio::error_code ec) {
    if (ec) return;
    if (auto conn = weak.lock()) conn->kill();
  });
  asio::error_code ec;
  co_await c->tcp.async_connect(endpoint_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || c->dead) co_return nullptr;
  c->tcp.set_option(asio::ip::tcp::no_delay(true), ec);
  SSL* ssl = c->tls.native_handle();
  static constexpr unsigned char kH2[] = {2, 'h', '2'};
  SSL_set_alpn_protos(ssl, kH2, sizeof kH2);
  if (!server_name_.empty()) {
    SSL_set_tlsext_host_name(ssl, server_name_.c_str());
    c->tls.set_verify_callback(asio::ssl::host_name_verification(server_name_));
  }
  co_await c->tls.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec || c->dead) co_return nullptr;
  const unsigned char* proto = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &proto, &len);
  if (len != 2 || std::memcmp(proto, "h2", 2) != 0) {  // DoH here is HTTP/2 only
    c->kill();
    co_return nullptr;
  }
  dog.cancel();
  Conn* raw = c.get();
  c->h2 = std::make_unique<H2ClientSession>([raw](H2ClientSession::Done& d) {
    auto it = raw->waiters.find(d.stream);
    if (it == raw->waiters.end()) return;
    it->second->result = std::move(d);
    it->second->done = true;
    it->second->timer.cancel();
  });
  auto self = shared_from_this();
  asio::co_spawn(ex_, [self, c]() { return self->read_loop(c); }, asio::detached);
  co_return c;
}

asio::awaitable<void> DohClient::read_loop(std::shared_ptr<Conn> c) {
  auto self = shared_from_this();
  uint8_t buf[16 * 1024];
  asio::error_code ec;
  while (!c->dead) {
    size_t n = co_await c->tls.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !c->h2->feed({buf, n})) break;
    co_await flush(c);  // WINDOW_UPDATE, SETTINGS ACK, PING replies
  }
  c->kill();  // every exchange on it fails now, not at its deadline
}

asio::awaitable<void> DohClient::flush(std::shared_ptr<Conn> c) {
  if (c->writing) {
    c->write_again = true;
    co_return;
  }
  c->writing = true;
  std::vector<uint8_t> out;
  asio::error_code ec;
  do {
    c->write_again = false;
    for (;;) {
      out.clear();
      if (!c->dead) c->h2->take_output(out, 64 * 1024);
      if (out.empty()) break;
      co_await asio::async_write(c->tls, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        c->kill();
        break;
      }
    }
  } while (c->write_again && !c->dead);
  c->writing = false;
}

asio::awaitable<ExchangeResult> DohClient::exchange(std::span<uint8_t> query, uint16_t, const wire::Query& q,
                                                    std::span<uint8_t> reply, Clock::time_point deadline) {
  auto self = shared_from_this();
  if (closed_) co_return ExchangeResult{0, ExchangeError::closed};
  if (!tls_) co_return ExchangeResult{0, ExchangeError::network};
  auto c = co_await connection(deadline);
  if (!c) co_return ExchangeResult{0, Clock::now() >= deadline ? ExchangeError::timeout : ExchangeError::network};
  wire::store16(query.data(), 0);
  Waiter w{asio::steady_timer(ex_, deadline)};
  int32_t stream = c->h2->post(authority_, path_, query);
  if (stream < 0) co_return ExchangeResult{0, ExchangeError::network};
  c->waiters[stream] = &w;
  c->last_used = Clock::now();
  co_await flush(c);
  asio::error_code ec;
  if (!w.done) co_await w.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  c->waiters.erase(stream);
  c->last_used = Clock::now();
  if (!w.done) {
    if (!c->dead) {
      c->h2->cancel(stream);
      asio::co_spawn(ex_, flush(c), asio::detached);
    }
    co_return ExchangeResult{0, Clock::now() >= deadline ? ExchangeError::timeout : ExchangeError::network};
  }
  const auto& body = w.result.body;
  if (!w.result.ok || w.result.status != 200 || body.size() > reply.size() || body.size() < wire::kHeaderSize)
    co_return ExchangeResult{0, ExchangeError::network};
  std::memcpy(reply.data(), body.data(), body.size());
  if (!reply_matches({reply.data(), body.size()}, 0, q)) co_return ExchangeResult{0, ExchangeError::network};
  co_return ExchangeResult{body.size(), ExchangeError::none};
}

}  // namespace skycore::plugins::forward
