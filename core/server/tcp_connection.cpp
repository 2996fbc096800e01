#include "core/server/tcp_connection.h"
#include "core/server/tcp_buffers.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <malloc.h>

#include "core/server/address.h"
#include "core/server/query_handler.h"

namespace skycore::server {
namespace {

// Large answers leave freed 64 KiB blocks in the worker's malloc arena, and
// glibc keeps them unless asked: a burst of big-answer clients would leave
// its peak behind as RSS. Asked when a worker's last TCP connection ends, or
// at most once a second while connections keep ending (teardown is not the
// per-query path, and no timer is left behind to delay a shutdown).
thread_local size_t open_connections = 0;

void connection_ended() {
  thread_local std::chrono::steady_clock::time_point last_trim;
  auto now = std::chrono::steady_clock::now();
  if (--open_connections == 0 || now - last_trim >= std::chrono::seconds(1)) {
    last_trim = now;
    malloc_trim(0);
  }
}

}  // namespace

TcpConnection::TcpConnection(asio::ip::tcp::socket sock, const ListenerSpec& spec,
                             const TcpLimits& limits, uint16_t worker)
    : sock_(std::move(sock)),
      idle_timer_(sock_.get_executor()),
      write_wakeup_(sock_.get_executor()),
      read_resume_(sock_.get_executor()),
      drained_(sock_.get_executor()),
      spec_(spec),
      limits_(limits),
      worker_(worker),
      read_timeout_(spec.tcp_read.count() ? spec.tcp_read : limits.idle_timeout),
      write_timeout_(spec.tcp_write.count() ? spec.tcp_write : limits.idle_timeout),
      idle_timeout_(spec.tcp_idle.count() ? spec.tcp_idle : limits.idle_timeout) {
  if (spec.tls) tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(sock_, *spec.tls);
  touch();
  write_wakeup_.expires_at(asio::steady_timer::time_point::max());
  read_resume_.expires_at(asio::steady_timer::time_point::max());
  drained_.expires_at(asio::steady_timer::time_point::max());
}

// The messages of a reply in several (AXFR) go into the write queue in
// order; while the queue holds max_queued_bytes the sender waits, so a
// transfer to a slow reader holds a bounded amount of memory.
class TcpConnection::Stream final : public MessageStream {
 public:
  explicit Stream(TcpConnection& c) : c_(c) {}
  asio::awaitable<bool> send(std::span<const uint8_t> msg) override {
    asio::error_code ec;
    while (c_.sock_.is_open() && (c_.queued_bytes_ >= c_.limits_.max_queued_bytes ||
                                  c_.outq_.size() + 1 >= c_.limits_.max_pending_writes))
      co_await c_.drained_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!c_.sock_.is_open() || msg.size() > wire::kMaxMessage) co_return false;
    std::vector<uint8_t> framed = TcpBuffers::mine().take(2 + msg.size());
    framed[0] = static_cast<uint8_t>(msg.size() >> 8);
    framed[1] = static_cast<uint8_t>(msg.size());
    std::copy(msg.begin(), msg.end(), framed.begin() + 2);
    c_.queued_bytes_ += framed.size();
    c_.outq_.push_back(std::move(framed));
    c_.write_wakeup_.cancel_one();
    co_return true;
  }

 private:
  TcpConnection& c_;
};

void TcpConnection::close() {
  asio::error_code ec;
  sock_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  sock_.close(ec);
  idle_timer_.cancel();
  write_wakeup_.cancel();
  read_resume_.cancel();
  drained_.cancel();
}

asio::awaitable<void> TcpConnection::run() {
  auto self = shared_from_this();
  auto ex = co_await asio::this_coro::executor;
  asio::co_spawn(ex, idle_watchdog(), asio::detached);
  ++open_connections;
  if (tls_) {
    asio::error_code ec;
    partial_ = true;  // the read timeout bounds the handshake
    co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    partial_ = false;
    touch();
    if (ec) {
      close();
      connection_ended();
      co_return;
    }
  }
  asio::co_spawn(ex, write_loop(), asio::detached);
  co_await read_loop();
  connection_ended();
}

template <typename Buffer>
asio::awaitable<size_t> TcpConnection::read_exactly(Buffer b, asio::error_code& ec) {
  if (tls_) co_return co_await asio::async_read(*tls_, b, asio::redirect_error(asio::use_awaitable, ec));
  co_return co_await asio::async_read(sock_, b, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> TcpConnection::read_loop() {
  auto self = shared_from_this();
  asio::error_code ec;
  uint8_t len_buf[2];
  while (sock_.is_open()) {
    if (reader_paused()) {  // bound the memory one client can pin
      co_await read_resume_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    co_await read_exactly(asio::buffer(len_buf), ec);
    if (ec) break;
    size_t len = size_t(len_buf[0]) << 8 | len_buf[1];
    std::vector<uint8_t> query = TcpBuffers::mine().take(len);
    touch();
    partial_ = true;  // from now the read timeout runs
    if (read_timeout_ < idle_timeout_) idle_timer_.cancel();  // the watchdog looks again
    co_await read_exactly(asio::buffer(query), ec);
    partial_ = false;
    if (ec) break;
    touch();
    ++inflight_;
    asio::co_spawn(sock_.get_executor(), answer(std::move(query)), asio::detached);
  }
  close();
}

asio::awaitable<void> TcpConnection::answer(std::vector<uint8_t> query) {
  auto self = shared_from_this();
  // A buffer per answer keeps pipelined answers independent of each other;
  // the worker lends it (tcp_buffers.h), so it costs no allocation once warm.
  std::vector<uint8_t> out = TcpBuffers::mine().take(2 + wire::kMaxMessage);
  Request req;
  req.transport = Transport::tcp;
  req.worker = worker_;
  req.server = spec_.label;
  req.packet = query;
  req.response_storage = {out.data() + 2, wire::kMaxMessage};
  set_stream_endpoints(req, sock_);
  Stream stream(*this);
  req.stream = &stream;
  co_await handle_query(req, spec_.zones);
  TcpBuffers::mine().give(std::move(query));
  --inflight_;
  size_t n = req.response.size();
  if (n == 0 || !sock_.is_open()) {
    TcpBuffers::mine().give(std::move(out));
    if (!reader_paused()) read_resume_.cancel_one();
    co_return;
  }
  if (outq_.size() >= limits_.max_pending_writes) {  // the client is not reading
    TcpBuffers::mine().give(std::move(out));
    close();
    co_return;
  }
  out[0] = static_cast<uint8_t>(n >> 8);
  out[1] = static_cast<uint8_t>(n);
  // Queue an exact-size copy: the 64 KiB answer buffer must not stay pinned
  // behind a reply of a few hundred bytes while the client is slow to read.
  std::vector<uint8_t> reply = TcpBuffers::mine().take(2 + n);
  std::copy(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(2 + n), reply.begin());
  TcpBuffers::mine().give(std::move(out));
  queued_bytes_ += reply.size();
  outq_.push_back(std::move(reply));
  if (outq_.size() == 1 && write_timeout_ < idle_timeout_) idle_timer_.cancel();  // the watchdog looks again
  if (!reader_paused()) read_resume_.cancel_one();
  write_wakeup_.cancel_one();
}

asio::awaitable<void> TcpConnection::write_loop() {
  auto self = shared_from_this();
  asio::error_code ec;
  while (sock_.is_open()) {
    if (outq_.empty()) {
      co_await write_wakeup_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (tls_) co_await asio::async_write(*tls_, asio::buffer(outq_.front()), asio::redirect_error(asio::use_awaitable, ec));
    else co_await asio::async_write(sock_, asio::buffer(outq_.front()), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    queued_bytes_ -= outq_.front().size();
    TcpBuffers::mine().give(std::move(outq_.front()));
    outq_.pop_front();
    touch();
    drained_.cancel();  // a transfer waiting for room goes on
    if (!reader_paused()) read_resume_.cancel_one();
  }
  close();
}

asio::awaitable<void> TcpConnection::idle_watchdog() {
  auto self = shared_from_this();
  asio::error_code ec;
  while (sock_.is_open()) {
    // Replies waiting: the client must take them within the write timeout;
    // a query half read: the rest must come within the read timeout;
    // nothing going on: the idle timeout.
    const auto timeout = !outq_.empty() ? write_timeout_ : partial_ ? read_timeout_ : idle_timeout_;
    auto deadline = last_activity_ + timeout;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      // Only answers still being worked out (a slow upstream) keep a quiet
      // connection open.
      if (idle() || !outq_.empty() || partial_) break;
      deadline = now + timeout;
    }
    idle_timer_.expires_at(deadline);
    co_await idle_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  close();
}

}  // namespace skycore::server
