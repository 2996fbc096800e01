#include "core/server/worker.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <future>

#include "core/server/udp_listener.h"

namespace skycore::server {

Worker::Worker(uint16_t index, const TcpLimits& limits, size_t tcp_cap, const WorkerHooks& hooks)
    : index_(index), limits_(limits), hooks_(hooks), tcp_conns_(tcp_cap) {}

Worker::~Worker() { stop(); }

void Worker::bind(const std::vector<ListenerSpec>& listeners, const Worker* previous) {
  for (const auto& spec : listeners) {
    if (previous) {
      auto same = std::find_if(previous->bound_.begin(), previous->bound_.end(), [&](const Bound& b) {
        return b.spec->address == spec.address && b.spec->port == spec.port && b.spec->transport == spec.transport;
      });
      if (same != previous->bound_.end()) {
        int ufd = same->udp ? ::dup(same->udp->native_handle()) : -2;
        int tfd = ufd == -1 ? -1 : ::dup(same->tcp->native_handle());
        if (ufd == -1 || tfd < 0) {
          if (ufd >= 0) ::close(ufd);
          throw std::system_error(errno, std::generic_category(), fmt::format("listen {}", spec.label));
        }
        Bound b{&spec, nullptr, nullptr, nullptr};
        if (ufd >= 0) b.udp = std::make_unique<asio::ip::udp::socket>(io_, same->udp->local_endpoint().protocol(), ufd);
        b.tcp = std::make_unique<asio::ip::tcp::acceptor>(io_, same->tcp->local_endpoint().protocol(), tfd);
        bound_.push_back(std::move(b));
        continue;
      }
    }
    // "All interfaces" is a dual-stack socket when the host has IPv6.
    std::vector<asio::ip::address> candidates;
    if (spec.address.empty()) {
      candidates = {asio::ip::address_v6::any(), asio::ip::address_v4::any()};
    } else {
      candidates = {asio::ip::make_address(spec.address)};
    }
    std::system_error last(std::error_code{});
    bool ok = false;
    for (const auto& addr : candidates) {
      try {
        Bound b{&spec, nullptr, nullptr, nullptr};
        if (spec.transport == "dns")  // DoT and DoH are TCP only
          b.udp = std::make_unique<asio::ip::udp::socket>(
              open_udp_socket(io_, asio::ip::udp::endpoint(addr, spec.port)));
        b.tcp = std::make_unique<asio::ip::tcp::acceptor>(
            open_tcp_acceptor(io_, asio::ip::tcp::endpoint(addr, spec.port)));
        bound_.push_back(std::move(b));
        ok = true;
        break;
      } catch (const std::system_error& e) {
        last = std::system_error(e.code(), fmt::format("listen {}", spec.label));
      }
    }
    if (!ok) throw last;
  }
}

void Worker::start() {
  for (auto& b : bound_) {
    if (b.udp) {
      b.udp_listener = std::make_unique<UdpListener>(*b.udp, *b.spec, index_);
      asio::co_spawn(io_, b.udp_listener->run(), asio::detached);
    }
    asio::co_spawn(io_, tcp_accept_loop(*b.tcp, *b.spec, limits_, tcp_conns_, index_), asio::detached);
  }
  thread_ = std::thread([this] {
    for (const auto& hook : hooks_.start) hook(index_, io_.get_executor());
    io_.run();
  });
}

void Worker::begin_stop() {
  if (!thread_.joinable() || stopping_) return;
  stopping_ = true;
  asio::post(io_, [this] {
    asio::error_code ec;
    for (auto& b : bound_) {
      if (b.udp) b.udp->close(ec);
      b.tcp->close(ec);
    }
    tcp_conns_.close_all();
    for (const auto& hook : hooks_.stop) hook(index_);
  });
}

void Worker::begin_drain() {
  if (!thread_.joinable() || stopping_) return;
  asio::post(io_, [this] {
    asio::error_code ec;
    for (auto& b : bound_) {
      if (b.udp_listener) b.udp_listener->drain();
      b.tcp->close(ec);  // only this descriptor: the new worker's accepts on its own
    }
  });
}

size_t Worker::in_flight() {
  if (!thread_.joinable() || stopping_ || io_.stopped()) return 0;
  auto done = std::make_shared<std::promise<size_t>>();
  auto result = done->get_future();
  asio::post(io_, [this, done] {
    size_t n = tcp_conns_.open();
    for (auto& b : bound_)
      if (b.udp_listener) n += b.udp_listener->busy();
    done->set_value(n);
  });
  // The thread ends by itself once nothing is left to do (every listener
  // drained): then nothing is in flight either.
  for (int i = 0; i < 100; ++i) {
    if (result.wait_for(std::chrono::milliseconds(20)) == std::future_status::ready) return result.get();
    if (io_.stopped()) return 0;
  }
  return 1;  // no answer for 2 s: busy enough to wait for
}

void Worker::join() {
  if (!thread_.joinable()) return;
  thread_.join();
  bound_.clear();
}

}  // namespace skycore::server
