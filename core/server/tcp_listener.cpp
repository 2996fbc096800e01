#include "core/server/tcp_listener.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <asio/ip/v6_only.hpp>

#include "core/server/doh_connection.h"
#include "core/server/socket_options.h"

#include <asio/steady_timer.hpp>

namespace skycore::server {

asio::ip::tcp::acceptor open_tcp_acceptor(asio::io_context& io, const asio::ip::tcp::endpoint& ep) {
  asio::ip::tcp::acceptor acc(io);
  acc.open(ep.protocol());
  if (ep.address().is_v6()) acc.set_option(asio::ip::v6_only(false));
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.set_option(reuse_port(true));
  acc.bind(ep);
  acc.listen(asio::socket_base::max_listen_connections);
  return acc;
}

void TcpConnectionSet::prune() {
  std::erase_if(conns_, [](const std::weak_ptr<ClientConnection>& w) {
    auto c = w.lock();
    return !c || c->closed();
  });
}

bool TcpConnectionSet::make_room() {
  prune();
  if (conns_.size() < cap_) return true;
  std::shared_ptr<ClientConnection> oldest;
  for (auto& w : conns_) {
    auto c = w.lock();
    if (c && c->idle() && (!oldest || c->last_activity() < oldest->last_activity())) oldest = c;
  }
  if (!oldest) return false;
  oldest->close();
  prune();
  return true;
}

void TcpConnectionSet::close_all() {
  for (auto& w : conns_)
    if (auto c = w.lock()) c->close();
  conns_.clear();
}

asio::awaitable<void> tcp_accept_loop(asio::ip::tcp::acceptor& acceptor, const ListenerSpec& spec,
                                      const TcpLimits& limits, TcpConnectionSet& conns,
                                      uint16_t worker) {
  asio::error_code ec;
  for (;;) {
    auto sock = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {  // EMFILE and friends: keep accepting once they clear, without spinning
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (!conns.make_room()) {
      sock.close(ec);  // every connection is busy: refuse this one
      continue;
    }
    // Replies go out as soon as they are written: without this, a reply
    // after a TLS record or an HTTP/2 frame of its own waits out the
    // client's delayed ACK (40 ms) behind Nagle.
    sock.set_option(asio::ip::tcp::no_delay(true), ec);
    if (spec.transport == "https") {
      auto conn = std::make_shared<DohConnection>(std::move(sock), spec, limits, worker);
      conns.add(conn);
      asio::co_spawn(acceptor.get_executor(), conn->run(), asio::detached);
      continue;
    }
    auto conn = std::make_shared<TcpConnection>(std::move(sock), spec, limits, worker);
    conns.add(conn);
    asio::co_spawn(acceptor.get_executor(), conn->run(), asio::detached);
  }
}

}  // namespace skycore::server
