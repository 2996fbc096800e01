// Clients reaching a dual-stack socket over IPv4 appear as ::ffff:a.b.c.d;
// plugins (whoami, acl, logs) want the plain IPv4 address.
#pragma once
#include <asio/ip/address.hpp>

namespace skycore::server {

inline asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace skycore::server
