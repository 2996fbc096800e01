#include "core/plugin/address_port.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace skycore {

std::optional<AddressPort> parse_address_port(std::string_view text, uint16_t default_port) {
  std::string_view host = text, port;
  if (!text.empty() && text.front() == '[') {
    auto end = text.find(']');
    if (end == std::string_view::npos) return std::nullopt;
    host = text.substr(1, end - 1);
    if (end + 1 < text.size()) {
      if (text[end + 1] != ':') return std::nullopt;
      port = text.substr(end + 2);
      if (port.empty()) return std::nullopt;
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // more than one: a bare IPv6 address
    auto colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  }
  AddressPort out{{}, default_port};
  if (!port.empty()) {
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
    if (ec != std::errc() || end != port.data() + port.size() || out.port == 0) return std::nullopt;
  }
  asio::error_code ec;
  out.ip = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  if (out.ip.is_v6() && out.ip.to_v6().is_v4_mapped())
    out.ip = asio::ip::make_address_v4(asio::ip::v4_mapped, out.ip.to_v6());
  return out;
}

}  // namespace skycore
