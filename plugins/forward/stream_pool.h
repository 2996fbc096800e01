// DNS over TCP (RFC 7766) and over TLS (RFC 7858) to one upstream, for one
// worker: connections are reused one query at a time and closed after
// `expire` idle. Used for truncated UDP answers, force_tcp, TCP clients and
// tls:// upstreams. Not the fast path: allocates per connection.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "plugins/forward/config.h"
#include "plugins/forward/exchange.h"
#include "plugins/forward/stream_exchange.h"

namespace skycore::plugins::forward {

class StreamConn;

class StreamPool final : public StreamExchange, public std::enable_shared_from_this<StreamPool> {
 public:
  // `tls` is null for plain TCP.
  StreamPool(asio::any_io_executor ex, const UpstreamAddress& upstream, asio::ssl::context* tls,
             const std::string& server_name, milliseconds expire);
  ~StreamPool() override;
  void start() override;
  void close() override;

  asio::awaitable<ExchangeResult> exchange(std::span<uint8_t> query, uint16_t id,
                                           const wire::Query& q, std::span<uint8_t> reply,
                                           Clock::time_point deadline) override;

 private:
  asio::awaitable<std::shared_ptr<StreamConn>> connect(Clock::time_point deadline);
  asio::awaitable<void> expire_loop();

  asio::any_io_executor ex_;
  asio::ip::tcp::endpoint endpoint_;
  asio::ssl::context* tls_;
  std::string server_name_;
  milliseconds expire_;
  std::vector<std::shared_ptr<StreamConn>> idle_;
  std::vector<std::weak_ptr<StreamConn>> busy_;  // closed on shutdown so nothing waits out its deadline
  asio::steady_timer ticker_;
  bool closed_ = false;
};

}  // namespace skycore::plugins::forward
