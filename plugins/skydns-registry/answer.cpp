#include "plugins/skydns-registry/answer.h"

#include "core/wire/header.h"

namespace skycore::plugins::skydns_registry {
namespace {

uint32_t ttl_of(const Service& s, WallClock::time_point now) {
  return s.ttl == 0 ? kStaticTtl : s.remaining(now);
}

void add_soa(Request& req, const wire::Name& zone, uint32_t serial) {
  wire::Name mname = zone, rname = zone;
  mname.prepend_label("dns");
  mname.prepend_label("ns");
  rname.prepend_label("hostmaster");
  req.response.add_soa(wire::Section::authority, zone, kSoaTtl, mname, rname, serial, 7200, 1800,
                       86400, kSoaTtl);
}

void add_address(Request& req, wire::Section sec, const wire::Name& owner, const Entry& e, uint32_t ttl) {
  if (e.v6) req.response.add_aaaa(sec, owner, ttl, std::span<const uint8_t, 16>(e.addr.data(), 16));
  else req.response.add_a(sec, owner, ttl, std::span<const uint8_t, 4>(e.addr.data(), 4));
}

// The SRV target: the host's own name, or <uuid>.<zone> for IP hosts
// (whose address then goes in the additional section).
bool srv_target(const Entry& e, const wire::Name& zone, wire::Name& out) {
  if (e.ip) {
    out = zone;
    return out.prepend_label(e.labels[kUuid]);
  }
  out = e.host_name;
  return true;
}

void answer_srv(Request& req, const wire::Name& zone, const Pattern& p, const Snapshot& snap,
                WallClock::time_point now, size_t& matched) {
  // A named region is a preference: its services come first (priority 10),
  // the others follow (priority 20), each group sharing weight 100.
  size_t near = 0, far = 0;
  snap.for_each_match(p, true, now, [&](const Entry& e) {
    (!p.region_named() || label_matches(p.at[kRegion], e.labels[kRegion]) ? near : far)++;
  });
  matched = near + far;
  wire::Name target;
  for (int pass = 0; pass < 2; ++pass) {  // answers, then the additional addresses
    snap.for_each_match(p, true, now, [&](const Entry& e) {
      bool is_near = !p.region_named() || label_matches(p.at[kRegion], e.labels[kRegion]);
      if (!srv_target(e, zone, target)) return;
      uint32_t ttl = ttl_of(e.service, now);
      if (pass == 0) {
        uint16_t weight = static_cast<uint16_t>(100 / (is_near ? near : far));
        req.response.add_srv(wire::Section::answer, req.query.qname, ttl, is_near ? 10 : 20, weight,
                             e.service.port, target);
      } else if (e.ip) {
        add_address(req, wire::Section::additional, target, e, ttl);
      }
    });
  }
}

}  // namespace

uint16_t answer(Request& req, const wire::Name& zone, std::span<const std::string_view> labels,
                const Snapshot& snap, uint32_t serial, WallClock::time_point now) {
  auto& w = req.response;
  w.set_flag(wire::flag::AA);
  const uint16_t qtype = req.query.qtype;

  if (labels.empty()) {  // the zone apex
    if (qtype == wire::rrtype::SOA) {
      wire::Name mname = zone, rname = zone;
      mname.prepend_label("dns");
      mname.prepend_label("ns");
      rname.prepend_label("hostmaster");
      w.add_soa(wire::Section::answer, req.query.qname, kSoaTtl, mname, rname, serial, 7200, 1800,
                86400, kSoaTtl);
    } else if (qtype == wire::rrtype::NS) {
      wire::Name ns = zone;
      ns.prepend_label("dns");
      ns.prepend_label("ns");
      w.add_name_rr(wire::Section::answer, req.query.qname, wire::rrtype::NS, kSoaTtl, ns);
    } else {
      add_soa(req, zone, serial);
    }
    return wire::rcode::NOERROR;
  }

  // <uuid>.<zone> names one service directly.
  if (labels.size() == 1) {
    if (const Entry* e = snap.by_uuid(labels[0]); e && !e->service.expired(now)) {
      uint32_t ttl = ttl_of(e->service, now);
      bool wants_a = qtype == wire::rrtype::A && e->ip && !e->v6;
      bool wants_aaaa = qtype == wire::rrtype::AAAA && e->ip && e->v6;
      if (wants_a || wants_aaaa) {
        add_address(req, wire::Section::answer, req.query.qname, *e, ttl);
      } else if (qtype == wire::rrtype::SRV) {
        wire::Name target;
        if (srv_target(*e, zone, target)) {
          w.add_srv(wire::Section::answer, req.query.qname, ttl, 10, 100, e->service.port, target);
          if (e->ip) add_address(req, wire::Section::additional, target, *e, ttl);
        }
      } else {
        add_soa(req, zone, serial);  // NODATA
      }
      return wire::rcode::NOERROR;
    }
  }

  Pattern p;
  if (!make_pattern(labels, p)) {
    w.set_rcode(wire::rcode::NXDOMAIN);
    add_soa(req, zone, serial);
    return wire::rcode::NXDOMAIN;
  }
  size_t matched = 0;
  if (qtype == wire::rrtype::SRV || qtype == wire::rrtype::ANY) {
    answer_srv(req, zone, p, snap, now, matched);
  } else {
    snap.for_each_match(p, false, now, [&](const Entry& e) {
      ++matched;
      uint32_t ttl = ttl_of(e.service, now);
      if (qtype == wire::rrtype::A && e.ip && !e.v6) add_address(req, wire::Section::answer, req.query.qname, e, ttl);
      if (qtype == wire::rrtype::AAAA && e.ip && e.v6) add_address(req, wire::Section::answer, req.query.qname, e, ttl);
    });
  }
  if (matched == 0) {
    w.set_rcode(wire::rcode::NXDOMAIN);
    add_soa(req, zone, serial);
    return wire::rcode::NXDOMAIN;
  }
  if (wire::HeaderView{w.data().data()}.ancount() == 0) add_soa(req, zone, serial);  // NODATA
  return wire::rcode::NOERROR;
}

}  // namespace skycore::plugins::skydns_registry
