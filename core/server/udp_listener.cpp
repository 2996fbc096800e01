#include "core/server/udp_listener.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "core/server/address.h"
#include "core/server/query_handler.h"
#include "core/server/socket_options.h"

namespace skycore::server {

asio::ip::udp::socket open_udp_socket(asio::io_context& io, const asio::ip::udp::endpoint& ep) {
  asio::ip::udp::socket sock(io);
  sock.open(ep.protocol());
  if (ep.address().is_v6()) sock.set_option(asio::ip::v6_only(false));
  sock.set_option(asio::socket_base::reuse_address(true));
  sock.set_option(reuse_port(true));
  // Bursts must not overflow the default ~200 KiB buffer (each small datagram
  // costs about 1 KiB of it); the kernel caps this at net.core.rmem_max.
  asio::error_code ignored;
  sock.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
  sock.bind(ep);
  sock.non_blocking(true);
  return sock;
}

namespace {

void peer_to_request(const sockaddr_storage& ss, Request& req) {
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    req.remote_addr = asio::ip::address_v4(ntohl(a->sin_addr.s_addr));
    req.remote_port = ntohs(a->sin_port);
  } else {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), &a->sin6_addr, 16);
    req.remote_addr = unmapped(asio::ip::address_v6(b));
    req.remote_port = ntohs(a->sin6_port);
  }
}

// Sends what it can; a full socket buffer drops the rest, as UDP may.
void send_batch(int fd, mmsghdr* msgs, size_t n) {
  for (size_t sent = 0; sent < n;) {
    int r = ::sendmmsg(fd, msgs + sent, static_cast<unsigned>(n - sent), MSG_DONTWAIT);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (r <= 0) {  // this peer is unreachable: skip it, keep the others
      ++sent;
      continue;
    }
    sent += static_cast<size_t>(r);
  }
}

}  // namespace

void UdpListener::drain() {
  draining_ = true;
  asio::error_code ec;
  sock_.cancel(ec);  // ends the reader's wait; the socket stays open for replies
  slot_freed_.cancel();
}

UdpListener::UdpListener(asio::ip::udp::socket& sock, const ListenerSpec& spec, uint16_t worker)
    : sock_(sock), spec_(spec), slots_(new Slot[kSlots]),
      buffers_(new uint8_t[kSlots * 2 * kBuffer]), slot_freed_(sock.get_executor()) {
  auto local = sock_.local_endpoint();
  local_addr_ = unmapped(local.address());
  local_port_ = local.port();
  free_.reserve(kSlots);
  outbox_.reserve(kSlots);
  for (size_t i = 0; i < kSlots; ++i) {
    Slot* s = &slots_[i];
    s->in = {&buffers_[2 * i * kBuffer], kBuffer};
    s->out = {&buffers_[(2 * i + 1) * kBuffer], kBuffer};
    s->req.transport = Transport::udp;
    s->req.worker = worker;
    s->req.server = spec_.label;
    s->req.response_storage = s->out;
    s->req.local_addr = local_addr_;
    s->req.local_port = local_port_;
    free_.push_back(s);
  }
}

void UdpListener::release(Slot* s) {
  free_.push_back(s);
  if (free_.size() == 1) slot_freed_.cancel_one();  // the reader may be waiting for one
}

void UdpListener::queue_reply(Slot* s) {
  outbox_.push_back(s);  // capacity reserved for every slot: no allocation
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(sock_.get_executor(), [this] { flush_replies(); });
  }
}

void UdpListener::flush_replies() {
  flush_posted_ = false;
  std::array<mmsghdr, kBatch> msgs;
  std::array<iovec, kBatch> iovs;
  const int fd = sock_.native_handle();
  for (size_t start = 0; start < outbox_.size(); start += kBatch) {
    size_t n = 0;
    for (size_t i = start; i < outbox_.size() && n < kBatch; ++i) {
      Slot* s = outbox_[i];
      if (s->req.response.size() == 0) continue;
      iovs[n] = {const_cast<uint8_t*>(s->req.response.data().data()), s->req.response.size()};
      msgs[n] = {};
      msgs[n].msg_hdr.msg_name = &s->peer;
      msgs[n].msg_hdr.msg_namelen = s->peer_len;
      msgs[n].msg_hdr.msg_iov = &iovs[n];
      msgs[n].msg_hdr.msg_iovlen = 1;
      ++n;
    }
    send_batch(fd, msgs.data(), n);
  }
  for (Slot* s : outbox_) release(s);
  outbox_.clear();
}

asio::awaitable<void> UdpListener::slot_loop(Slot* s) {
  for (;;) {
    // A slot that was busy when shutdown woke the others must not park again:
    // nobody would wake it, and the worker could not finish.
    if (closing_) co_return;
    // Park until the reader hands us a packet (or shutdown wakes us).
    co_await park(s->wake);
    if (closing_) co_return;
    co_await handle_query(s->req, spec_.zones);
    if (s->starting) {
      s->done_inline = true;  // the reader sends it with the rest of the batch
      continue;
    }
    queue_reply(s);
  }
}

asio::awaitable<void> UdpListener::run() {
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::array<Slot*, kBatch> batch{};
  std::array<mmsghdr, kBatch> replies{};
  std::array<iovec, kBatch> reply_iovs{};
  std::array<Slot*, kBatch> answered{};
  const int fd = sock_.native_handle();
  asio::error_code ec;
  slot_freed_.expires_at(asio::steady_timer::time_point::max());
  auto ex = co_await asio::this_coro::executor;
  for (size_t i = 0; i < kSlots; ++i) asio::co_spawn(ex, slot_loop(&slots_[i]), asio::detached);

  while (sock_.is_open() && !draining_) {
    if (free_.empty()) {  // every slot waits on something: let the kernel queue
      co_await slot_freed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    size_t want = std::min(kBatch, free_.size());
    for (size_t i = 0; i < want; ++i) {
      Slot* s = free_[free_.size() - 1 - i];
      batch[i] = s;
      iovs[i] = {s->in.data(), s->in.size()};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &s->peer;
      msgs[i].msg_hdr.msg_namelen = sizeof s->peer;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got = ::recvmmsg(fd, msgs.data(), static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
    if (got <= 0) {
      co_await sock_.async_wait(asio::socket_base::wait_read,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted) break;
      continue;
    }
    free_.resize(free_.size() - static_cast<size_t>(got));  // batch[0..got) came off the back
    size_t n_answered = 0;
    for (int i = 0; i < got; ++i) {
      Slot* s = batch[i];
      s->len = msgs[i].msg_len;
      s->peer_len = msgs[i].msg_hdr.msg_namelen;
      s->req.packet = {s->in.data(), s->len};
      peer_to_request(s->peer, s->req);
      s->starting = true;
      s->done_inline = false;
      wake(s->wake);
      s->starting = false;
      if (!s->done_inline) continue;  // it will answer by itself
      if (s->req.response.size() == 0) {  // dropped (not a query)
        release(s);
        continue;
      }
      reply_iovs[n_answered] = {const_cast<uint8_t*>(s->req.response.data().data()),
                                s->req.response.size()};
      replies[n_answered].msg_hdr = {};
      replies[n_answered].msg_hdr.msg_name = &s->peer;
      replies[n_answered].msg_hdr.msg_namelen = s->peer_len;
      replies[n_answered].msg_hdr.msg_iov = &reply_iovs[n_answered];
      replies[n_answered].msg_hdr.msg_iovlen = 1;
      answered[n_answered++] = s;
    }
    send_batch(fd, replies.data(), n_answered);
    for (size_t i = 0; i < n_answered; ++i) release(answered[i]);
  }
  // Shutdown: parked slots end now; busy ones end when their query does.
  closing_ = true;
  for (size_t i = 0; i < kSlots; ++i)
    wake(slots_[i].wake);
}

}  // namespace skycore::server
