#include "core/plugin/subnet.h"

#include <charconv>
#include <cstring>
#include <string>

namespace skycore {

bool Subnet::contains(const IpBytes& ip) const {
  if (ip.v6 != net.v6) return false;
  size_t full = bits / 8, rest = bits % 8;
  if (std::memcmp(ip.bytes.data(), net.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (ip.bytes[full] & mask) == (net.bytes[full] & mask);
}

IpBytes ip_bytes(const asio::ip::address& a) {
  IpBytes ip;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    ip.v6 = true;
    ip.bytes = a.to_v6().to_bytes();
  }
  return ip;
}

std::optional<Subnet> parse_subnet(std::string_view text) {
  auto slash = text.find('/');
  asio::error_code ec;
  auto a = asio::ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  Subnet s;
  s.net = ip_bytes(a);
  const int max = s.net.v6 ? 128 : 32;
  int bits = max;
  if (slash != std::string_view::npos) {
    auto len = text.substr(slash + 1);
    auto [end, err] = std::from_chars(len.data(), len.data() + len.size(), bits);
    if (len.empty() || err != std::errc() || end != len.data() + len.size() || bits < 0 || bits > max)
      return std::nullopt;
  }
  s.bits = static_cast<uint8_t>(bits);
  return s;
}

}  // namespace skycore
