#include "plugins/cache/analysis.h"

#include <algorithm>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::plugins::cache {
namespace {

bool disabled(const KindConfig& k, const wire::Name& qname) {
  if (k.disabled_everywhere) return true;
  for (const auto& z : k.disabled_zones)
    if (qname.is_subdomain_of(z)) return true;
  return false;
}

uint32_t clamp_ttl(uint32_t ttl, const KindConfig& k) {
  return std::clamp<uint32_t>(ttl, static_cast<uint32_t>(k.min_ttl.count()),
                              static_cast<uint32_t>(k.max_ttl.count()));
}

}  // namespace

std::optional<Analysis> analyze(std::span<const uint8_t> msg, const Config& cfg,
                                const wire::Name& qname_lower) {
  if (msg.size() < wire::kHeaderSize) return std::nullopt;
  wire::HeaderView h{msg.data()};
  if (h.has(wire::flag::TC) || h.qdcount() != 1) return std::nullopt;
  Analysis a;
  a.rcode = h.rcode();
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_name();
  r.skip(4);
  uint32_t min_ttl = UINT32_MAX;
  std::optional<uint32_t> soa_ttl;
  const size_t an = h.ancount(), ns = h.nscount(), total = an + ns + h.arcount();
  for (size_t i = 0; i < total; ++i) {
    r.skip_name();
    uint16_t type = r.u16();
    r.skip(2);
    size_t ttl_at = r.pos();
    uint32_t ttl = r.u32();
    uint16_t rdlen = r.u16();
    size_t rdata_at = r.pos();
    r.skip(rdlen);
    if (!r.ok()) return std::nullopt;
    if (type == wire::rrtype::OPT) continue;
    if (ttl_at > UINT16_MAX) return std::nullopt;
    a.ttl_offsets.push_back(static_cast<uint16_t>(ttl_at));
    min_ttl = std::min(min_ttl, ttl);
    if (type == wire::rrtype::SOA && i >= an && i < an + ns && !soa_ttl) {
      // RFC 2308 5: a negative answer lives min(SOA TTL, SOA MINIMUM).
      wire::WireReader rd(msg.first(rdata_at + rdlen), rdata_at);
      rd.skip_name();
      rd.skip_name();
      rd.skip(16);
      uint32_t minimum = rd.u32();
      if (rd.ok()) soa_ttl = std::min(ttl, minimum);
    }
  }
  if (r.remaining() != 0) return std::nullopt;

  // Server errors, as CoreDNS counts them: SERVFAIL and NOTIMP, kept briefly.
  if (a.rcode == wire::rcode::SERVFAIL || a.rcode == wire::rcode::NOTIMP) {
    if (cfg.servfail_ttl.count() == 0) return std::nullopt;
    a.kind = Kind::servfail;
    a.ttl = static_cast<uint32_t>(cfg.servfail_ttl.count());
    return a;
  }
  bool nxdomain = a.rcode == wire::rcode::NXDOMAIN;
  bool nodata = a.rcode == wire::rcode::NOERROR && an == 0;
  if (nxdomain || nodata) {
    if (!soa_ttl || disabled(cfg.denial, qname_lower)) return std::nullopt;
    a.kind = Kind::denial;
    a.ttl = clamp_ttl(*soa_ttl, cfg.denial);
    return a;
  }
  if (a.rcode != wire::rcode::NOERROR || disabled(cfg.success, qname_lower)) return std::nullopt;
  a.kind = Kind::success;
  a.ttl = clamp_ttl(min_ttl == UINT32_MAX ? 0 : min_ttl, cfg.success);
  return a;
}

}  // namespace skycore::plugins::cache
