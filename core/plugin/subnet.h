// An address prefix ("10.0.0.0/8", "2001:db8::/32", or a lone address as a
// /32 or /128), as Corefile options name client or answer networks
// (loadbalance's prefer, acl's net). Host bits past the prefix are ignored,
// as Go's net.ParseCIDR does.
#pragma once
#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/plugin/ip_bytes.h"

namespace skycore {

struct Subnet {
  IpBytes net;
  uint8_t bits = 0;
  bool contains(const IpBytes& ip) const;
};

// nullopt for anything but ADDRESS or ADDRESS/LENGTH (LENGTH at most 32 or 128).
std::optional<Subnet> parse_subnet(std::string_view text);

// A socket address's bytes (IPv4 in the first 4).
IpBytes ip_bytes(const asio::ip::address& a);

}  // namespace skycore
