// Turns a backend's entries into records, for every plugin that answers from
// data: the one SRV weight rule, the additional-section addresses, negative
// answers with the zone's SOA, and the zone's own apex records. Writes
// straight into the response and allocates nothing (except when chasing an
// alias through the server's chain, see chase_alias).
#pragma once
#include <asio/awaitable.hpp>
#include <span>

#include "core/plugin/request.h"
#include "core/plugin/service_backend.h"
#include "core/plugin/zone_soa.h"

namespace skycore {

// An entry's SRV weight: its weight (100 when unset) as its share of the sum
// over its priority, scaled to 100 as CoreDNS does, and never 0 (RFC 2782's
// "almost never pick me", which no one asked for; more than 100 equal
// instances would all get it).
uint16_t srv_weight(uint64_t weight, uint64_t sum_of_priority);

class RecordBuilder {
 public:
  // `ttl` is the zone's own records' TTL and the SOA minimum.
  RecordBuilder(Request& req, const wire::Name& zone, uint32_t serial, uint32_t ttl,
                const ZoneSoaStyle& style = default_soa_style())
      : req_(req), zone_(zone), serial_(serial), ttl_(ttl), style_(style) {}

  // The zone apex: SOA, NS with ns.dns.<zone>'s address in the additional
  // section, NODATA for any other type.
  void apex();
  // ns.dns.<zone>: this server's address for A/AAAA, else NODATA.
  void ns_target();
  // Records of `qtype` from `entries` (answer, then additional), and the SOA
  // when that leaves the answer empty (NODATA).
  void answer(uint16_t qtype, std::span<const ServiceEntry> entries);
  void nodata();
  void nxdomain();

 private:
  void add_soa(wire::Section section, const wire::Name& owner);
  void addresses(uint16_t qtype, std::span<const ServiceEntry> entries);
  void services(uint16_t qtype, std::span<const ServiceEntry> entries);

  Request& req_;
  const wire::Name& zone_;
  uint32_t serial_;
  uint32_t ttl_;
  const ZoneSoaStyle& style_;
};

// After an alias's CNAME (written by answer()): the target's A/AAAA/CNAME
// records, resolved through this server's own chain (forward, cache...), as
// CoreDNS's kubernetes plugin does for ExternalName services.
asio::awaitable<void> chase_alias(Request& req, const wire::Name& target, uint16_t qtype);

}  // namespace skycore
