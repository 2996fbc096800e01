// The SOA and NS that CoreDNS's authoritative plugins (kubernetes, etcd)
// write for a zone they answer from data rather than from a zone file:
// NS ns.dns.<zone>, SOA ns.dns.<zone> hostmaster.<zone> SERIAL 7200 1800
// 86400 MINIMUM. One definition for every plugin that answers that way.
#pragma once
#include <asio/ip/address.hpp>

#include <string>

#include "core/wire/name.h"
#include "core/wire/writer.h"

namespace skycore {

// How a plugin's apex looks: kubernetes and etcd's by default (ns.dns.<zone>,
// hostmaster.<zone>); k8s_external's is ns1.<apex>.<zone> and
// hostmaster.<apex>.<zone>. The timers are CoreDNS's for both.
struct ZoneSoaStyle {
  std::string host = "ns";   // the name server's first label
  std::string apex = "dns";  // the label below the zone that holds it
  bool hostmaster_under_apex = false;
  uint32_t refresh = 7200, retry = 1800, expire = 86400;
};
inline const ZoneSoaStyle& default_soa_style() {
  static const ZoneSoaStyle s;
  return s;
}

// ns.dns.<zone>: the zone's name server as these plugins call it.
inline wire::Name zone_ns_name(const wire::Name& zone, const ZoneSoaStyle& style = default_soa_style()) {
  wire::Name ns = zone;
  ns.prepend_label(style.apex);
  ns.prepend_label(style.host);
  return ns;
}

// Appends the zone's SOA owned by `owner` (the zone for negative answers'
// authority section, the query name for an SOA query).
inline bool add_zone_soa(wire::MessageWriter& w, wire::Section section, const wire::Name& owner,
                         const wire::Name& zone, uint32_t ttl, uint32_t serial, uint32_t minimum,
                         const ZoneSoaStyle& style = default_soa_style()) {
  wire::Name rname = zone;
  if (style.hostmaster_under_apex) rname.prepend_label(style.apex);
  rname.prepend_label("hostmaster");
  return w.add_soa(section, owner, ttl, zone_ns_name(zone, style), rname, serial, style.refresh, style.retry,
                   style.expire, minimum);
}

// The address ns.dns.<zone> stands for: this server's own, as CoreDNS gives
// it. The address the query arrived on when the listener knows it (a bound
// address); for a wildcard listener, the host's first non-loopback address
// (IPv4 first), or loopback when it has none.
asio::ip::address server_address(const asio::ip::address& local);

// Adds ns.dns.<zone>'s address record to `section` when its family matches
// `qtype` (A or AAAA; either for ANY and for the additional section of an NS answer).
// Returns whether it added one.
bool add_ns_address(wire::MessageWriter& w, wire::Section section, const wire::Name& zone,
                    const asio::ip::address& local, uint32_t ttl, uint16_t qtype,
                    const ZoneSoaStyle& style = default_soa_style());

}  // namespace skycore
