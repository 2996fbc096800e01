// DNS over HTTPS (RFC 8484) to one upstream, for one worker: one TLS
// connection with HTTP/2 (ALPN h2), every query a POST stream on it, so
// queries in flight share the connection instead of queueing behind one
// another. The connection is made on first use, made again after it
// breaks, and closed after `expire` without queries. Queries go with ID 0
// (RFC 8484 4.1, so HTTP caches can share answers); the stream pairs the
// answer with its question. Not a 200 with application/dns-message, or an
// answer to another question, is a failed exchange (counted as the
// upstream's failure, as a network error).
#pragma once
#include <asio/any_io_executor.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>

#include "plugins/forward/config.h"
#include "plugins/forward/h2_client_session.h"
#include "plugins/forward/stream_exchange.h"

namespace skycore::plugins::forward {

class DohClient final : public StreamExchange, public std::enable_shared_from_this<DohClient> {
 public:
  DohClient(asio::any_io_executor ex, const UpstreamAddress& upstream, asio::ssl::context* tls,
            const std::string& server_name, milliseconds expire);
  ~DohClient() override;
  void start() override;
  void close() override;
  asio::awaitable<ExchangeResult> exchange(std::span<uint8_t> query, uint16_t id, const wire::Query& q,
                                           std::span<uint8_t> reply, Clock::time_point deadline) override;

 private:
  struct Waiter;
  struct Conn;
  asio::awaitable<std::shared_ptr<Conn>> connection(Clock::time_point deadline);
  asio::awaitable<std::shared_ptr<Conn>> connect(Clock::time_point deadline);
  asio::awaitable<void> read_loop(std::shared_ptr<Conn> c);
  asio::awaitable<void> flush(std::shared_ptr<Conn> c);
  asio::awaitable<void> expire_loop();

  asio::any_io_executor ex_;
  asio::ip::tcp::endpoint endpoint_;
  asio::ssl::context* tls_;
  std::string server_name_, authority_, path_;
  milliseconds expire_;
  std::shared_ptr<Conn> conn_;
  bool connecting_ = false;
  asio::steady_timer connected_;  // cancelled when a connect ends: waiters look again
  asio::steady_timer ticker_;
  bool closed_ = false;
};

}  // namespace skycore::plugins::forward
