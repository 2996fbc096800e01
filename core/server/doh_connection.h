// One DNS-over-HTTPS client connection (RFC 8484) on an https:// listener:
// TLS, then HTTP/2 when the client's ALPN offers h2, else HTTP/1.1 with
// keep-alive. Every request is a DNS query through the same chain as UDP
// and TCP (proto "tcp" in metrics and logs, the listener's server label).
// Bounded as the TCP connection is: the handshake and a request's head
// and body by the read timeout, a quiet connection by the idle timeout, a
// client that stops reading by the write timeout; HTTP/2 streams at once
// by 100 (and answers in flight by 100, reset streams included), request
// bodies together by max_queued_bytes, a request head by 16 KiB and a body
// by 64 KiB.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "core/server/client_connection.h"
#include "core/server/h2_server_session.h"
#include "core/server/server_plan.h"
#include "core/server/tcp_connection.h"

namespace skycore::server {

class DohConnection final : public ClientConnection, public std::enable_shared_from_this<DohConnection> {
 public:
  DohConnection(asio::ip::tcp::socket sock, const ListenerSpec& spec, const TcpLimits& limits, uint16_t worker);

  asio::awaitable<void> run();
  void close() override;
  bool idle() const override { return inflight_ == 0 && !writing_; }
  bool closed() const override { return !sock_.is_open(); }
  std::chrono::steady_clock::time_point last_activity() const override { return last_activity_; }

 private:
  asio::awaitable<void> serve_http1();
  asio::awaitable<void> serve_http2();
  // The chain's answer to `query` (empty when the chain sent none).
  asio::awaitable<std::vector<uint8_t>> resolve(std::vector<uint8_t> query);
  asio::awaitable<void> answer_h2(H2Request req);
  asio::awaitable<void> flush_h2();
  asio::awaitable<void> idle_watchdog();
  void touch() { last_activity_ = std::chrono::steady_clock::now(); }

  asio::ip::tcp::socket sock_;
  asio::ssl::stream<asio::ip::tcp::socket&> tls_;
  asio::steady_timer idle_timer_;
  asio::steady_timer read_resume_;  // wakes a paused HTTP/2 reader when an answer finishes
  const ListenerSpec& spec_;
  const TcpLimits& limits_;
  uint16_t worker_;
  std::unique_ptr<H2ServerSession> h2_;
  size_t inflight_ = 0;
  bool writing_ = false, write_again_ = false;
  bool feeding_ = false;  // inside h2_->feed(): nghttp2 must not be asked for output
  std::chrono::steady_clock::time_point write_started_;  // the write in progress began (or last progressed)
  bool partial_ = false;  // a handshake or a request under way: the read timeout runs
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::milliseconds read_timeout_, write_timeout_, idle_timeout_;
};

}  // namespace skycore::server
