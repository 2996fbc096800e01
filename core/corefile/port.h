// A port number as written in a Corefile or on the command line: all
// digits, 1..65535. Shared so every option spells ports the same way.
#pragma once
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skycore::corefile {

inline std::optional<uint16_t> parse_port(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

// The host and optional port of an address or URL authority: "host",
// "host:port", "[v6]", "[v6]:port", or a bare IPv6 address (more than one
// colon, no port). nullopt for an empty host, a bad port, or a broken
// bracket. Shared by the clients that take endpoints (etcd, kubernetes).
struct HostPort {
  std::string host;
  std::optional<uint16_t> port;
};
inline std::optional<HostPort> split_host_port(std::string_view s) {
  HostPort hp;
  std::string_view port;
  bool has_port = false;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hp.host = std::string(s.substr(1, close - 1));
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return std::nullopt;
      port = s.substr(close + 2);
      has_port = true;
    }
  } else if (auto colon = s.find(':'); colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    hp.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
    has_port = true;
  } else {
    hp.host = std::string(s);
  }
  if (has_port) {
    hp.port = parse_port(port);
    if (!hp.port) return std::nullopt;
  }
  if (hp.host.empty()) return std::nullopt;
  return hp;
}

}  // namespace skycore::corefile
