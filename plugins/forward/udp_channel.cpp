#include "plugins/forward/udp_channel.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/wire/header.h"

namespace skycore::plugins::forward {
namespace {
constexpr auto kTick = std::chrono::milliseconds(50);  // timeout resolution
}

UdpChannel::UdpChannel(asio::any_io_executor ex, asio::ip::udp::endpoint upstream, QueryIds& ids,
                       WorkerCounter& spoofed)
    : ex_(ex), upstream_(upstream), ids_(ids), sock_(ex), ticker_(ex), spoofed_(spoofed) {
  for (size_t i = 0; i < kMaxPending; ++i) free_[free_count_++] = static_cast<uint16_t>(kMaxPending - 1 - i);
}

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
  while (in_flight_ > 0) finish(pending_[active_[0].slot], ExchangeError::closed);
}

void UdpChannel::finish(Pending& p, ExchangeError e, size_t len) {
  auto slot = static_cast<uint16_t>(&p - pending_.data());
  for (size_t i = 0; i < in_flight_; ++i)
    if (active_[i].slot == slot) {
      active_[i] = active_[--in_flight_];
      break;
    }
  free_[free_count_++] = slot;
  p.used = false;
  p.result = {len, e};
  wake(p.wake);
}

asio::awaitable<ExchangeResult> UdpChannel::exchange(std::span<uint8_t> query, const wire::Query& q,
                                                     std::span<uint8_t> reply,
                                                     Clock::time_point deadline) {
  if (closed_) co_return ExchangeResult{0, ExchangeError::closed};
  if (in_flight_ == 0 && uses_ >= kRotateAfter) open_socket();  // a fresh source port
  // (in_flight_ counts queued ones too, so the outbox is empty here)
  if (free_count_ == 0 || !sock_.is_open()) co_return ExchangeResult{0, ExchangeError::overload};
  uint16_t id;
  bool clash;
  do {  // IDs in flight on one socket must differ
    id = ids_.next();
    clash = false;
    for (size_t i = 0; i < in_flight_; ++i) clash |= active_[i].id == id;
  } while (clash);
  wire::store16(query.data(), id);
  uint16_t slot_no = free_[--free_count_];
  Pending* slot = &pending_[slot_no];
  active_[in_flight_++] = {id, slot_no};
  slot->used = true;
  slot->doomed = false;
  slot->id = id;
  slot->q = &q;
  slot->query = query;
  slot->reply = reply;
  slot->deadline = deadline;
  slot->result = {};
  outbox_[outbox_count_++] = {slot_no, id};
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(ex_, [self = shared_from_this()] { self->flush(); });
  }
  co_await park(slot->wake);
  co_return slot->result;
}

void UdpChannel::flush() {
  flush_posted_ = false;
  std::array<mmsghdr, kMaxPending> msgs;
  std::array<iovec, kMaxPending> iovs;
  size_t n = 0;
  for (size_t i = 0; i < outbox_count_; ++i) {
    const Pending& p = pending_[outbox_[i].slot];
    if (!p.used || p.id != outbox_[i].id) continue;  // already timed out or closed
    iovs[n] = {const_cast<uint8_t*>(p.query.data()), p.query.size()};
    msgs[n] = {};
    msgs[n].msg_hdr.msg_iov = &iovs[n];
    msgs[n].msg_hdr.msg_iovlen = 1;
    outbox_[n++] = outbox_[i];
  }
  outbox_count_ = 0;
  size_t sent = 0;
  while (sent < n) {
    int r = ::sendmmsg(sock_.native_handle(), msgs.data() + sent, static_cast<unsigned>(n - sent), MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    sent += static_cast<size_t>(r);
  }
  uses_ += sent;
  // What could not be sent fails now rather than at its deadline.
  for (size_t i = sent; i < n; ++i) {
    Pending& p = pending_[outbox_[i].slot];
    if (p.used && p.id == outbox_[i].id) finish(p, ExchangeError::network);
  }
}

void UdpChannel::deliver(std::span<const uint8_t> datagram) {
  if (datagram.size() < wire::kHeaderSize) return;
  uint16_t id = wire::load16(datagram.data());
  for (size_t i = 0; i < in_flight_; ++i) {
    if (active_[i].id != id) continue;
    Pending& p = pending_[active_[i].slot];
    if (!reply_matches(datagram, id, *p.q, p.query) || datagram.size() > p.reply.size()) break;
    std::memcpy(p.reply.data(), datagram.data(), datagram.size());
    finish(p, ExchangeError::none, datagram.size());
    return;
  }
  spoofed_.add();  // wrong ID, wrong question or late: never used
}

asio::awaitable<void> UdpChannel::receive_loop() {
  asio::error_code ec;
  std::array<mmsghdr, kRxBatch> msgs;
  std::array<iovec, kRxBatch> iovs;
  while (!closed_) {
    for (size_t i = 0; i < kRxBatch; ++i) {
      iovs[i] = {rx_[i].data(), kRxSize};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got = ::recvmmsg(sock_.native_handle(), msgs.data(), kRxBatch, MSG_DONTWAIT, nullptr);
    if (got > 0) {
      for (int i = 0; i < got; ++i) {
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
          spoofed_.add();  // larger than anything we asked for
          continue;
        }
        deliver({rx_[i].data(), msgs[i].msg_len});
      }
      continue;
    }
    ec = asio::error_code(errno, asio::error::get_system_category());
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      co_await sock_.async_wait(asio::socket_base::wait_read,
                                asio::redirect_error(asio::use_awaitable, ec));
      continue;  // aborted by a rotation: the loop picks up the new socket
    }
    if (ec == asio::error::connection_refused) {
      // ICMP port unreachable: the upstream is not listening. Fail what is
      // in flight now instead of waiting for the timeout.
      // Only what was in flight when the error arrived: woken queries may
      // send again right away and must not be failed by this same error.
      std::array<uint16_t, kMaxPending> failed;
      size_t count = in_flight_;
      for (size_t i = 0; i < count; ++i) failed[i] = active_[i].slot;
      for (size_t i = 0; i < count; ++i) pending_[failed[i]].doomed = true;
      for (size_t i = 0; i < count; ++i)
        if (pending_[failed[i]].used && pending_[failed[i]].doomed) finish(pending_[failed[i]], ExchangeError::network);
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
    for (size_t i = 0; i < in_flight_;) {  // finish() swaps the last entry into i
      Pending& p = pending_[active_[i].slot];
      if (p.deadline <= now) finish(p, ExchangeError::timeout);
      else ++i;
    }
  }
}

}  // namespace skycore::plugins::forward
