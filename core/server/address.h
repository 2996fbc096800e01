// Clients reaching a dual-stack socket over IPv4 appear as ::ffff:a.b.c.d;
// plugins (whoami, acl, logs) want the plain IPv4 address.
#pragma once
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include "core/plugin/request.h"

namespace skycore::server {

inline asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

// A query that arrived on stream connection `sock` (TCP, TLS, HTTPS): both
// ends' addresses and ports, as plugins see them.
inline void set_stream_endpoints(Request& req, const asio::ip::tcp::socket& sock) {
  asio::error_code ec;
  auto remote = sock.remote_endpoint(ec);
  auto local = sock.local_endpoint(ec);
  req.remote_addr = unmapped(remote.address());
  req.remote_port = remote.port();
  req.local_addr = unmapped(local.address());
  req.local_port = local.port();
}

}  // namespace skycore::server
