// What forward asks of a connection-based way to one upstream, per worker:
// DNS over TCP or TLS (StreamPool) or over HTTPS (DohClient).
#pragma once
#include <asio/awaitable.hpp>
#include <span>

#include "plugins/forward/exchange.h"

namespace skycore::plugins::forward {

class StreamExchange {
 public:
  virtual ~StreamExchange() = default;
  virtual void start() = 0;
  virtual void close() = 0;
  // Sends `query` (its ID set to `id` where the transport uses one) and
  // puts the matching reply in `reply`.
  virtual asio::awaitable<ExchangeResult> exchange(std::span<uint8_t> query, uint16_t id, const wire::Query& q,
                                                   std::span<uint8_t> reply, Clock::time_point deadline) = 0;
};

}  // namespace skycore::plugins::forward
