// Host names as forward targets (`forward . dns.example.local { resolver
// 10.0.0.1 }`), resolved once at setup as CoreDNS does: through the
// `resolver` addresses (A and AAAA over UDP, 2 s each), or the system's
// resolver (getaddrinfo) when none is given. Setup only: it blocks.
#pragma once
#include <asio/ip/address.hpp>

#include <optional>

#include "core/plugin/address_port.h"
#include <string>
#include <vector>

namespace skycore::plugins::forward {

using ResolverAddress = AddressPort;  // "IP" or "IP:PORT", port 53 by default

// `host`'s addresses; empty (and `why`) when it has none.
std::vector<asio::ip::address> resolve_host(const std::string& host, const std::vector<ResolverAddress>& resolvers,
                                            std::string& why);

// Whether `text` reads as a host name target: [tls://|dns://]NAME[:port]
// with NAME a DNS name holding a letter (so not an address or a path).
bool looks_like_host(const std::string& text, std::string& host, uint16_t& port, bool& tls);

}  // namespace skycore::plugins::forward
