// TCP serving for one worker on one address: accepts on the worker's own
// SO_REUSEPORT acceptor and enforces the connection cap, closing the
// longest-idle connection first when a new client arrives at the cap. A
// tls:// listener's connections are DNS over TLS; an https:// listener's
// are DNS over HTTPS (doh_connection.h).
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "core/server/tcp_connection.h"

namespace skycore::server {

asio::ip::tcp::acceptor open_tcp_acceptor(asio::io_context& io, const asio::ip::tcp::endpoint& ep);

// The connections one worker holds, across all its listeners.
class TcpConnectionSet {
 public:
  explicit TcpConnectionSet(size_t cap) : cap_(cap) {}
  // Makes room for one more; false if every connection is busy.
  bool make_room();
  void add(std::weak_ptr<ClientConnection> c) { conns_.push_back(std::move(c)); }
  void close_all();
  // Connections still open (for a reload's drain).
  size_t open() {
    prune();
    return conns_.size();
  }

 private:
  void prune();
  size_t cap_;
  std::vector<std::weak_ptr<ClientConnection>> conns_;
};

asio::awaitable<void> tcp_accept_loop(asio::ip::tcp::acceptor& acceptor, const ListenerSpec& spec,
                                      const TcpLimits& limits, TcpConnectionSet& conns,
                                      uint16_t worker);

}  // namespace skycore::server
