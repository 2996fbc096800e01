// The weights file of `loadbalance weighted WEIGHTFILE`, as CoreDNS reads it:
//   # comment
//   www.example.com
//   100.64.1.1 3
//   100.64.1.2 1
// A line with one word starts a domain; each "IP WEIGHT" line under it gives
// that address a weight from 1 to 255 (an address not listed weighs 1).
// Parsed whole into an immutable table, swapped in when the file changes.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/plugin/ip_bytes.h"

namespace skycore::plugins::loadbalance {

struct Weights {
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // Lowercased absolute domain ("www.example.com.") -> (address, weight).
  std::unordered_map<std::string, std::vector<std::pair<IpBytes, uint8_t>>, Hash, std::equal_to<>> by_name;

  uint32_t weight(std::string_view name, const IpBytes& ip) const {
    auto it = by_name.find(name);
    if (it == by_name.end()) return 1;
    for (const auto& [a, w] : it->second)
      if (a == ip) return w;
    return 1;
  }
};

// Parses `text`; on an error, `why` says which line of the file and why.
std::optional<Weights> parse_weights(std::string_view text, std::string& why);

}  // namespace skycore::plugins::loadbalance
