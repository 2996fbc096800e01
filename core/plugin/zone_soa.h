// The SOA and NS that CoreDNS's authoritative plugins (kubernetes, etcd)
// write for a zone they answer from data rather than from a zone file:
// NS ns.dns.<zone>, SOA ns.dns.<zone> hostmaster.<zone> SERIAL 7200 1800
// 86400 MINIMUM. One definition for every plugin that answers that way.
#pragma once
#include <asio/ip/address.hpp>

#include "core/wire/name.h"
#include "core/wire/writer.h"

namespace skycore {

// ns.dns.<zone>: the zone's name server as these plugins call it.
inline wire::Name zone_ns_name(const wire::Name& zone) {
  wire::Name ns = zone;
  ns.prepend_label("dns");
  ns.prepend_label("ns");
  return ns;
}

// Appends the zone's SOA owned by `owner` (the zone for negative answers'
// authority section, the query name for an SOA query).
inline bool add_zone_soa(wire::MessageWriter& w, wire::Section section, const wire::Name& owner,
                         const wire::Name& zone, uint32_t ttl, uint32_t serial, uint32_t minimum) {
  wire::Name rname = zone;
  rname.prepend_label("hostmaster");
  return w.add_soa(section, owner, ttl, zone_ns_name(zone), rname, serial, 7200, 1800, 86400, minimum);
}

// The address ns.dns.<zone> stands for: this server's own, as CoreDNS gives
// it. The address the query arrived on when the listener knows it (a bound
// address); for a wildcard listener, the host's first non-loopback address
// (IPv4 first), or loopback when it has none.
asio::ip::address server_address(const asio::ip::address& local);

// Adds ns.dns.<zone>'s address record to `section` when its family matches
// `qtype` (A or AAAA; any for the additional section of an NS answer).
// Returns whether it added one.
bool add_ns_address(wire::MessageWriter& w, wire::Section section, const wire::Name& zone,
                    const asio::ip::address& local, uint32_t ttl, uint16_t qtype);

}  // namespace skycore
