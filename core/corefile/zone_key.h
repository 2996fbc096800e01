#pragma once

#include <string>
#include <vector>

#include "core/corefile/token.h"

namespace skycore::corefile {

// One zone a server block answers for, as written in its key.
struct ZoneKey {
  std::string transport = "dns";  // "dns", "tls" or "https"
  std::string zone;  // lowercased fqdn with trailing dot, "." for root
  std::string port;  // decimal, no leading zeros; empty = not given
};

// "zone" or "zone:port", the form used in messages and duplicate checks.
std::string to_string(const ZoneKey& key);

bool operator==(const ZoneKey& a, const ZoneKey& b);

// Parses one server-block key such as ".", ".:53", "example.org:1053",
// "dns://Example.ORG.:1053", "10.0.0.0/24", "fd00::/64:1053".
// A CIDR expands to its reverse zones (see reverse_zone.h), so one key may
// give several ZoneKeys, all with the same transport and port.
// Throws Error at the key's file:line for a transport other than dns://,
// tls:// (DNS over TLS) or https:// (DNS over HTTPS) ("unsupported
// transport"), a bad port, a malformed CIDR or zone name.
std::vector<ZoneKey> parse_zone_key(const Token& key);

}  // namespace skycore::corefile
