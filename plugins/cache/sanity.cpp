#include "plugins/cache/sanity.h"

#include <utility>
#include <vector>

#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/types.h"

namespace skycore::plugins::cache {
namespace {

// RFC 4034 3.1.5: inception <= now <= expiration in serial arithmetic.
bool signature_valid_now(std::span<const uint8_t> rdata, uint32_t now) {
  if (rdata.size() < 18) return false;
  uint32_t expiration = wire::load32(rdata.data() + 8), inception = wire::load32(rdata.data() + 12);
  return static_cast<int32_t>(now - inception) >= 0 && static_cast<int32_t>(expiration - now) >= 0;
}

bool same(const wire::Name& a, const wire::Name& b) { return a.equals_ignore_case(b); }

}  // namespace

bool fit_to_cache(std::span<const uint8_t> msg, const wire::Name& qname_lower, uint16_t qtype, uint32_t now) {
  wire::HeaderView h{msg.data()};
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_name();
  r.skip(4);
  const size_t an = h.ancount(), ns = h.nscount(), total = an + ns + h.arcount();
  std::vector<std::pair<wire::Name, wire::Name>> cnames;  // owner -> target
  std::vector<wire::Name> typed;                           // owners with a qtype record
  bool soa = false;
  for (size_t i = 0; i < total; ++i) {
    wire::Name owner;
    r.name(owner);
    uint16_t type = r.u16();
    r.skip(6);
    uint16_t rdlen = r.u16();
    size_t rdata_at = r.pos();
    if (!r.ok()) return false;
    if (type == wire::rrtype::RRSIG && !signature_valid_now(msg.subspan(rdata_at, std::min<size_t>(rdlen, msg.size() - rdata_at)), now))
      return false;
    if (i < an && type == wire::rrtype::CNAME) {
      wire::WireReader t(msg, rdata_at);
      wire::Name target;
      t.name(target);
      if (!t.ok()) return false;
      for (const auto& [o, tg] : cnames)
        if (same(o, owner) && !same(tg, target)) return false;  // one name, two targets
      cnames.emplace_back(owner, target);
    } else if (i < an && (type == qtype || qtype == wire::rrtype::ANY)) {
      typed.push_back(owner);
    } else if (i >= an && i < an + ns && type == wire::rrtype::SOA) {
      soa = true;
    }
    r.skip(rdlen);
  }
  if (!r.ok()) return false;
  if (h.rcode() != wire::rcode::NOERROR || an == 0 || qtype == wire::rrtype::CNAME || qtype == wire::rrtype::ANY)
    return true;
  // Follow the chain from the question; every step must be new.
  wire::Name cur = qname_lower;
  for (size_t steps = 0;; ++steps) {
    const wire::Name* next = nullptr;
    for (const auto& [o, tg] : cnames)
      if (same(o, cur)) next = &tg;
    if (!next) break;
    if (steps >= cnames.size()) return false;  // more steps than CNAMEs: a loop
    cur = *next;
  }
  for (const auto& o : typed)
    if (same(o, cur)) return true;
  return soa;  // the chain ends without data: only a NODATA with SOA says so properly
}

}  // namespace skycore::plugins::cache
