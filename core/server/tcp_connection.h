// One DNS-over-TCP client connection (RFC 7766): queries are read back to
// back and each is answered as soon as it finishes, so a slow answer does
// not hold up the ones pipelined behind it. Writes are queued so replies
// never interleave. Idle connections close after the idle timeout; a query
// whose body does not arrive within the read timeout closes it too; so does
// a client that stops reading: reading pauses once replies worth
// max_queued_bytes wait, and replies that make no progress for the write
// timeout end the connection. What one client can pin is bounded.
// On a tls:// listener the same runs over TLS (RFC 7858): the handshake
// must finish within the read timeout.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <algorithm>
#include <memory>
#include <vector>

#include "core/server/client_connection.h"
#include "core/server/server_plan.h"

namespace skycore::server {

struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10'000};
  size_t max_connections = 1000;  // per process; split across workers
  size_t max_pending_writes = 256;  // a client that never reads gets closed
  size_t max_inflight = 16;         // pipelined queries answered at once; reading pauses beyond
  size_t max_queued_bytes = 256 * 1024;  // replies waiting to be written; reading pauses beyond
};

// Replies waiting to be written, first in first out: a ring that grows by
// doubling and never shrinks (std::deque gives back and takes a block every
// few dozen replies: an allocation per so many queries).
class ReplyQueue {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  std::vector<uint8_t>& front() { return ring_[head_]; }
  void push_back(std::vector<uint8_t> v) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) % ring_.size()] = std::move(v);
    ++size_;
  }
  void pop_front() {
    ring_[head_] = {};
    head_ = (head_ + 1) % ring_.size();
    --size_;
  }

 private:
  void grow() {
    std::vector<std::vector<uint8_t>> bigger(std::max<size_t>(8, ring_.size() * 2));
    for (size_t i = 0; i < size_; ++i) bigger[i] = std::move(ring_[(head_ + i) % ring_.size()]);
    ring_ = std::move(bigger);
    head_ = 0;
  }
  std::vector<std::vector<uint8_t>> ring_;
  size_t head_ = 0, size_ = 0;
};

class TcpConnection final : public ClientConnection, public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(asio::ip::tcp::socket sock, const ListenerSpec& spec, const TcpLimits& limits,
                uint16_t worker);

  asio::awaitable<void> run();  // until the client or the idle timer closes it
  void close() override;
  bool idle() const override { return inflight_ == 0 && outq_.empty(); }
  std::chrono::steady_clock::time_point last_activity() const override { return last_activity_; }
  bool closed() const override { return !sock_.is_open(); }

 private:
  asio::awaitable<void> read_loop();
  asio::awaitable<void> answer(std::vector<uint8_t> query);
  asio::awaitable<void> write_loop();
  asio::awaitable<void> idle_watchdog();
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  // Reads and writes go through tls_ when the listener is tls://.
  template <typename Buffer>
  asio::awaitable<size_t> read_exactly(Buffer b, asio::error_code& ec);

  asio::ip::tcp::socket sock_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
  asio::steady_timer idle_timer_;
  asio::steady_timer write_wakeup_;
  asio::steady_timer read_resume_;  // wakes the reader when an in-flight slot frees
  asio::steady_timer drained_;      // wakes a multi-message reply when the queue shrinks
  class Stream;                     // MessageStream over this connection (zone transfers)
  const ListenerSpec& spec_;
  const TcpLimits& limits_;
  ReplyQueue outq_;  // length-prefixed replies
  size_t inflight_ = 0;
  size_t queued_bytes_ = 0;
  bool reader_paused() const { return inflight_ >= limits_.max_inflight || queued_bytes_ >= limits_.max_queued_bytes; }
  uint16_t worker_;
  std::chrono::steady_clock::time_point last_activity_;
  bool partial_ = false;  // a query's length arrived, its body not yet
  // The timeouts in force (the listener's `timeouts`, else the limits').
  std::chrono::milliseconds read_timeout_, write_timeout_, idle_timeout_;
};

}  // namespace skycore::server
