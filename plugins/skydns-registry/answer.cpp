#include "plugins/skydns-registry/answer.h"

#include "core/plugin/srv_weight.h"
#include "core/plugin/zone_soa.h"
#include "core/wire/header.h"

namespace skycore::plugins::skydns_registry {
namespace {

uint32_t ttl_of(const Service& s, WallClock::time_point now) {
  return s.ttl == 0 ? kStaticTtl : s.remaining(now);
}

void add_soa(Request& req, const wire::Name& zone, uint32_t serial) {
  add_zone_soa(req.response, wire::Section::authority, zone, zone, kSoaTtl, serial, kSoaTtl);
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

// pass 0 writes the answers, pass 1 the additional addresses (sections
// are written in order, so other records' answers go between the two).
// A named region is a preference: its services come first (priority 10),
// the others follow (priority 20), each group sharing weight 100.
struct RegionCounts {
  size_t near = 0, far = 0;
};
RegionCounts count_regions(const Pattern& p, const Snapshot& snap, WallClock::time_point now) {
  RegionCounts c;
  snap.for_each_match(p, true, now, [&](const Entry& e) {
    (!p.region_named() || label_matches(p.at[kRegion], e.labels[kRegion]) ? c.near : c.far)++;
  });
  return c;
}

void answer_srv(Request& req, const wire::Name& zone, const Pattern& p, const Snapshot& snap,
                WallClock::time_point now, int pass, RegionCounts counts) {
  const size_t near = counts.near, far = counts.far;
  wire::Name target;
  snap.for_each_match(p, true, now, [&](const Entry& e) {
    bool is_near = !p.region_named() || label_matches(p.at[kRegion], e.labels[kRegion]);
    if (!srv_target(e, zone, target)) return;
    uint32_t ttl = ttl_of(e.service, now);
    if (pass == 0) {
      uint16_t weight = srv_equal_weight(is_near ? near : far);
      req.response.add_srv(wire::Section::answer, req.query.qname, ttl, is_near ? 10 : 20, weight,
                           e.service.port, target);
    } else if (e.ip) {
      add_address(req, wire::Section::additional, target, e, ttl);
    }
  });
}

// --- records other CoreDNS-etcd tools wrote (etcd store only) ---------------

// CoreDNS's msg.Group: the shortest matching keys decide a group, and then
// only records of that group (or of none) are served; records on that
// shortest level that disagree switch grouping off.
struct GroupChoice {
  bool active = false;
  std::string_view group;
  bool admits(const Record& r) const { return !active || r.group.empty() || r.group == group; }
};

GroupChoice choose_group(const Snapshot& snap, std::span<const std::string_view> labels) {
  GroupChoice g;
  bool first = true;
  size_t depth = 0;
  for (const auto& r : snap.records()) {
    if (!record_matches(*r, labels)) continue;
    if (first) {
      g.group = r->group;
      depth = r->path.size();
      first = false;
    } else if (r->path.size() < depth) {
      if (r->group.empty()) break;
      depth = r->path.size();
      g.group = r->group;
    }
  }
  if (g.group.empty()) return g;
  for (const auto& r : snap.records())
    if (record_matches(*r, labels) && !r->group.empty() && r->path.size() == depth && r->group != g.group)
      return g;  // disagreement on the deciding level
  g.active = true;
  return g;
}

void add_record_address(Request& req, wire::Section sec, const wire::Name& owner, const Record& r) {
  if (r.v6) req.response.add_aaaa(sec, owner, r.ttl, std::span<const uint8_t, 16>(r.addr.data(), 16));
  else req.response.add_a(sec, owner, r.ttl, std::span<const uint8_t, 4>(r.addr.data(), 4));
}

// The SRV/MX target: the named host, or the record's own name for an IP host.
bool record_target(const Record& r, const wire::Name& zone, wire::Name& out) {
  if (r.ip) return r.own_name(zone, out);
  out = r.host_name;
  return true;
}

// Answers from other tools' records; returns how many match the name.
// As answer_srv: pass 0 writes answers, pass 1 the additional addresses.
size_t answer_records(Request& req, const wire::Name& zone, std::span<const std::string_view> labels,
                      const Snapshot& snap, int pass) {
  if (snap.records().empty()) return 0;
  const uint16_t qtype = req.query.qtype;
  GroupChoice g = choose_group(snap, labels);
  auto each = [&](auto&& f) {
    for (const auto& r : snap.records())
      if (record_matches(*r, labels) && g.admits(*r)) f(*r);
  };
  size_t matched = 0;
  each([&](const Record&) { ++matched; });
  if (!matched) return 0;
  const bool srv_like = qtype == wire::rrtype::SRV || qtype == wire::rrtype::ANY || qtype == wire::rrtype::MX;
  if (pass == 1 && !srv_like) return matched;
  auto& w = req.response;
  const wire::Name& qname = req.query.qname;
  wire::Name target;
  if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
    const bool v6 = qtype == wire::rrtype::AAAA;
    bool any = false;
    each([&](const Record& r) {
      if (r.ip && r.v6 == v6) {
        add_record_address(req, wire::Section::answer, qname, r);
        any = true;
      }
    });
    // Only when no address answers: one CNAME to a named host (not to the
    // name itself), which the client's resolver follows.
    if (!any) {
      bool done = false;
      each([&](const Record& r) {
        if (done || r.ip || r.host.empty() || r.host_name.equals_ignore_case(req.query.qname)) return;
        w.add_name_rr(wire::Section::answer, qname, wire::rrtype::CNAME, r.ttl, r.host_name);
        done = true;
      });
    }
  } else if (qtype == wire::rrtype::TXT) {
    each([&](const Record& r) {
      if (r.text.empty()) return;
      std::string_view text[] = {r.text};
      w.add_txt(wire::Section::answer, qname, r.ttl, text);
    });
  } else if (srv_like) {
    const bool mx = qtype == wire::rrtype::MX;
    // CoreDNS's weights: each record's weight (100 if unset) as a share of
    // the sum of its priority's weights, scaled to 100, at least 1.
    std::array<std::pair<uint16_t, uint32_t>, 16> sums{};
    size_t n_sums = 0;
    auto sum_of = [&](uint16_t prio) -> uint32_t* {
      for (size_t i = 0; i < n_sums; ++i)
        if (sums[i].first == prio) return &sums[i].second;
      if (n_sums == sums.size()) return nullptr;
      sums[n_sums] = {prio, 0};
      return &sums[n_sums++].second;
    };
    each([&](const Record& r) {
      if (auto* s = sum_of(r.priority)) *s += r.weight ? r.weight : 100;
    });
    {
      each([&](const Record& r) {
        if (r.host.empty() || (mx && !r.mail) || !record_target(r, zone, target)) return;
        if (pass == 1) {
          if (r.ip) add_record_address(req, wire::Section::additional, target, r);
          return;
        }
        if (mx) {
          w.add_mx(wire::Section::answer, qname, r.ttl, r.priority, target);
          return;
        }
        uint32_t* sum = sum_of(r.priority);
        w.add_srv(wire::Section::answer, qname, r.ttl, r.priority,
                  srv_weight(r.weight ? r.weight : 100, sum ? *sum : 0), r.port, target);
      });
    }
  }
  return matched;
}

}  // namespace

uint16_t answer(Request& req, const wire::Name& zone, std::span<const std::string_view> labels,
                const Snapshot& snap, uint32_t serial, WallClock::time_point now) {
  auto& w = req.response;
  w.set_flag(wire::flag::AA);
  const uint16_t qtype = req.query.qtype;

  if (labels.empty()) {  // the zone apex
    if (qtype == wire::rrtype::SOA) {
      add_zone_soa(w, wire::Section::answer, req.query.qname, zone, kSoaTtl, serial, kSoaTtl);
    } else if (qtype == wire::rrtype::NS) {
      w.add_name_rr(wire::Section::answer, req.query.qname, wire::rrtype::NS, kSoaTtl, zone_ns_name(zone));
      add_ns_address(w, wire::Section::additional, zone, req.local_addr, kSoaTtl, qtype);
    } else {
      add_soa(req, zone, serial);
    }
    return wire::rcode::NOERROR;
  }

  // ns.dns.<zone>, the apex NS's target: this server's own address.
  if (labels.size() == 2 && labels[0] == "ns" && labels[1] == "dns") {
    if (!add_ns_address(w, wire::Section::answer, zone, req.local_addr, kSoaTtl, qtype)) add_soa(req, zone, serial);
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

  // Registrations (a SkyDNS name has at most 6 labels), then other tools'
  // records, answers first and additional addresses after.
  Pattern p;
  const bool registrations = make_pattern(labels, p);
  size_t matched = 0;
  const bool srv = qtype == wire::rrtype::SRV || qtype == wire::rrtype::ANY;
  RegionCounts regions;
  if (registrations) {
    if (srv) {
      regions = count_regions(p, snap, now);
      matched = regions.near + regions.far;
      if (matched) answer_srv(req, zone, p, snap, now, 0, regions);
    } else {
      snap.for_each_match(p, false, now, [&](const Entry& e) {
        ++matched;
        uint32_t ttl = ttl_of(e.service, now);
        if (qtype == wire::rrtype::A && e.ip && !e.v6) add_address(req, wire::Section::answer, req.query.qname, e, ttl);
        if (qtype == wire::rrtype::AAAA && e.ip && e.v6) add_address(req, wire::Section::answer, req.query.qname, e, ttl);
      });
    }
  }
  matched += answer_records(req, zone, labels, snap, 0);
  if (registrations && srv && regions.near + regions.far) answer_srv(req, zone, p, snap, now, 1, regions);
  answer_records(req, zone, labels, snap, 1);
  if (matched == 0) {
    w.set_rcode(wire::rcode::NXDOMAIN);
    add_soa(req, zone, serial);
    return wire::rcode::NXDOMAIN;
  }
  if (wire::HeaderView{w.data().data()}.ancount() == 0) add_soa(req, zone, serial);  // NODATA
  return wire::rcode::NOERROR;
}

}  // namespace skycore::plugins::skydns_registry
