#include "plugins/forward/udp_channel.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <cstring>

#include "core/wire/header.h"

namespace skycore::plugins::forward {
namespace {
constexpr auto kTick = std::chrono::milliseconds(50);  // timeout resolution
}

UdpChannel::UdpChannel(asio::any_io_executor ex, asio::ip::udp::endpoint upstream, QueryIds& ids)
    : ex_(ex), upstream_(upstream), ids_(ids), sock_(ex), ticker_(ex) {}

void UdpChannel::open_socket() {
  asio::error_code ec;
  sock_.close(ec);
  sock_.open(upstream_.protocol(), ec);
  if (!ec) sock_.connect(upstream_, ec);  // the kernel picks a random source port
  if (!ec) sock_.non_blocking(true, ec);
  uses_ = 0;
}

void UdpChannel::start() {
  open_socket();
  auto self = shared_from_this();
  asio::co_spawn(ex_, [self]() { return self->receive_loop(); }, asio::detached);
  asio::co_spawn(ex_, [self]() { return self->timeout_loop(); }, asio::detached);
}

void UdpChannel::close() {
  closed_ = true;
  asio::error_code ec;
  sock_.close(ec);
  ticker_.cancel();
  for (auto& p : pending_)
    if (p.used) finish(p, ExchangeError::closed);
}

void UdpChannel::finish(Pending& p, ExchangeError e, size_t len) {
  p.used = false;
  --in_flight_;
  p.result = {len, e};
  wake(p.wake);
}

asio::awaitable<ExchangeResult> UdpChannel::exchange(std::span<uint8_t> query, const wire::Query& q,
                                                     std::span<uint8_t> reply,
                                                     Clock::time_point deadline) {
  if (closed_) co_return ExchangeResult{0, ExchangeError::closed};
  if (in_flight_ == 0 && uses_ >= kRotateAfter) open_socket();  // a fresh source port
  Pending* slot = nullptr;
  for (auto& p : pending_)
    if (!p.used) {
      slot = &p;
      break;
    }
  if (!slot || !sock_.is_open()) co_return ExchangeResult{0, ExchangeError::overload};
  uint16_t id;
  bool clash;
  do {  // IDs in flight on one socket must differ
    id = ids_.next();
    clash = false;
    for (const auto& p : pending_) clash |= p.used && p.id == id;
  } while (clash);
  wire::store16(query.data(), id);
  asio::error_code ec;
  sock_.send(asio::buffer(query.data(), query.size()), 0, ec);
  ++uses_;
  if (ec) co_return ExchangeResult{0, ExchangeError::network};
  slot->used = true;
  slot->id = id;
  slot->q = &q;
  slot->reply = reply;
  slot->deadline = deadline;
  slot->result = {};
  ++in_flight_;
  co_await park(slot->wake);
  co_return slot->result;
}

void UdpChannel::deliver(std::span<const uint8_t> datagram) {
  if (datagram.size() < wire::kHeaderSize) return;
  uint16_t id = wire::load16(datagram.data());
  for (auto& p : pending_) {
    if (!p.used || p.id != id) continue;
    if (!reply_matches(datagram, id, *p.q) || datagram.size() > p.reply.size()) break;
    std::memcpy(p.reply.data(), datagram.data(), datagram.size());
    finish(p, ExchangeError::none, datagram.size());
    return;
  }
  ++spoofed_;  // wrong ID, wrong question or late: never used
}

asio::awaitable<void> UdpChannel::receive_loop() {
  asio::error_code ec;
  while (!closed_) {
    size_t n = sock_.receive(asio::buffer(rx_), 0, ec);
    if (!ec) {
      deliver({rx_.data(), n});
      continue;
    }
    if (ec == asio::error::would_block) {
      co_await sock_.async_wait(asio::socket_base::wait_read,
                                asio::redirect_error(asio::use_awaitable, ec));
      continue;  // aborted by a rotation: the loop picks up the new socket
    }
    if (ec == asio::error::connection_refused) {
      // ICMP port unreachable: the upstream is not listening. Fail what is
      // in flight now instead of waiting for the timeout.
      for (auto& p : pending_)
        if (p.used) finish(p, ExchangeError::network);
      continue;
    }
    if (!sock_.is_open()) {  // reopening failed (fd limit?): retry a little later
      asio::steady_timer pause(ex_, kTick);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (!closed_) open_socket();
    }
  }
}

asio::awaitable<void> UdpChannel::timeout_loop() {
  asio::error_code ec;
  while (!closed_) {
    ticker_.expires_after(kTick);
    co_await ticker_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    auto now = Clock::now();
    for (auto& p : pending_)
      if (p.used && p.deadline <= now) finish(p, ExchangeError::timeout);
  }
}

}  // namespace skycore::plugins::forward
