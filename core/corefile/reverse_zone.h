#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::corefile {

// Turns a CIDR ("10.0.0.0/24", "fd00::/64") into the reverse zones that
// cover it, lowercased, with trailing dot, in ascending address order.
//
// Reverse zones can only be cut at label boundaries (octets for in-addr.arpa,
// nibbles for ip6.arpa), so other prefix lengths are widened:
//  - IPv4 /N with N not a multiple of 8: N < 24 gives the 2^k zones of the
//    next octet boundary (10.0.0.0/15 -> 0.10.in-addr.arpa., 1.10...);
//    N > 24 gives the enclosing /24 zone;
//  - IPv6 /N with N not a multiple of 4: the (at most 8) zones of the next
//    nibble boundary.
// Host bits below the mask are ignored, as Go's net.ParseCIDR does.
// Returns nullopt when `cidr` is not an address/length pair.
std::optional<std::vector<std::string>> reverse_zones(std::string_view cidr);

// A zone as a plugin's arguments may name it (CoreDNS's plugin.Host
// normalisation): a CIDR stands for its reverse zones, anything else for
// itself, unchanged.
std::vector<std::string> zone_names(std::string_view text);

}  // namespace skycore::corefile
