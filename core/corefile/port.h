// A port number as written in a Corefile or on the command line: all
// digits, 1..65535. Shared so every option spells ports the same way.
#pragma once
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace skycore::corefile {

inline std::optional<uint16_t> parse_port(std::string_view s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace skycore::corefile
