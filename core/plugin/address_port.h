// "IP", "IP:PORT" or "[IPv6]:PORT" as Corefiles write an address with an
// optional port (transfer's `to`, forward's `resolver`). An IPv4-mapped
// IPv6 address is taken as the IPv4 address it carries.
#pragma once
#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace skycore {

struct AddressPort {
  asio::ip::address ip;
  uint16_t port = 0;
};

std::optional<AddressPort> parse_address_port(std::string_view text, uint16_t default_port);

}  // namespace skycore
