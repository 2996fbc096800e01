// An IP address as the bytes a DNS record carries: 4 for A, 16 for AAAA.
// Backends keep addresses this way (17 bytes, no heap), so an answer copies
// bytes instead of formatting text.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace skycore {

struct IpBytes {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // network order; an IPv4 address in the first 4

  std::span<const uint8_t, 4> v4_bytes() const { return std::span<const uint8_t, 4>(bytes.data(), 4); }
  std::span<const uint8_t, 16> v6_bytes() const { return std::span<const uint8_t, 16>(bytes.data(), 16); }
  // The address's own bytes (4 or 16), e.g. as a hash key.
  std::string_view key() const {
    return {reinterpret_cast<const char*>(bytes.data()), v6 ? size_t{16} : size_t{4}};
  }
  // An IPv4 address as a host-order integer (sorts as the address does), and back.
  uint32_t v4_host_order() const {
    return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | bytes[3];
  }
  static IpBytes from_v4_host_order(uint32_t a) {
    IpBytes ip;
    for (int i = 0; i < 4; ++i) ip.bytes[i] = static_cast<uint8_t>(a >> (24 - 8 * i));
    return ip;
  }
  bool operator==(const IpBytes&) const = default;
  auto operator<=>(const IpBytes&) const = default;
};

}  // namespace skycore
