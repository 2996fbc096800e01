#include "plugins/skydns-registry/lookup.h"

#include "core/plugin/record_builder.h"

namespace skycore::plugins::skydns_registry {
namespace {

uint32_t ttl_of(const PackedService& s, WallClock::time_point now) {
  return s.ttl == 0 ? kStaticTtl : s.remaining(now);
}

IpBytes ip_of(bool v6, const std::array<uint8_t, 16>& addr) {
  IpBytes ip;
  ip.v6 = v6;
  ip.bytes = addr;
  return ip;
}

bool wants_address(uint16_t qtype) { return qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA; }

// A registration as an entry: an IP host's SRV target is <uuid>.<zone>, with
// its address; a named host is its own target. The port is the named one
// when the question names one (the pattern admitted only entries with it).
bool registration(const Entry& e, const wire::Name& zone, WallClock::time_point now, ServiceEntry& out,
                  std::string_view port_name = {}) {
  out.ttl = ttl_of(e.service, now);
  out.port = e.service.port;
  if (!port_name.empty())
    if (const NamedPort* np = e.service.details ? e.service.details->port(port_name) : nullptr) out.port = np->port;
  if (!e.ip) {
    out.target = e.host_name();
    return true;
  }
  out.addr = ip_of(e.v6, e.addr);
  out.use_addr = true;
  out.target = zone;
  return out.target.prepend_label(e.label(kUuid));
}

// Weight units by health: a warning instance gets a tenth of a passing
// one's. Critical ones are answered only when every match is critical, and
// then as equals.
uint64_t weight_units(Health h) { return h == Health::warning ? 10 : 100; }

// SkyDNS 1 shares 100 among a priority's instances (100/n, at least 1).
// That scale cannot hold a tenth past ten instances, so a priority with a
// warning instance in it answers the units themselves (100 and 10): SRV
// weights are relative within a priority, and the ratio holds at any size.
uint16_t weight_of(Health h, bool raw_units, uint64_t sum_of_priority) {
  return raw_units ? static_cast<uint16_t>(weight_units(h)) : srv_weight(weight_units(h), sum_of_priority);
}

// A named region is a preference: its services come first (priority 10),
// the others follow (priority 20), each group sharing weight 100.
//
// Critical instances are left out while any match is not critical; when
// all are, all are answered (a failing check is more often the check's
// fault than every instance's, and an empty answer takes the service down
// for certain).
size_t registrations(const ServiceQuery& q, Pattern p, const Snapshot& snap, WallClock::time_point now,
                     std::vector<ServiceEntry>& out) {
  size_t matched = 0;
  if (q.qtype == wire::rrtype::SRV) {
    // Weights are shared among all of a priority's services, but only as
    // many entries as can fit are made: a name with 1,000 instances costs a
    // count, not 1,000 entries, over UDP.
    uint64_t units[2] = {0, 0};       // by priority, instances not critical
    uint64_t all_units[2] = {0, 0};   // by priority, critical ones as equals
    bool warned[2] = {false, false};  // by priority, a warning instance in it
    size_t healthy = 0;
    auto near = [&](const Entry& e) { return !p.region_named() || label_matches(p.at[kRegion], e.label(kRegion)); };
    snap.for_each_match(p, true, now, [&](const Entry& e) {
      ++matched;
      int prio = near(e) ? 0 : 1;
      all_units[prio] += 100;
      if (e.service.health != Health::critical) {
        ++healthy;
        units[prio] += weight_units(e.service.health);
        warned[prio] |= e.service.health == Health::warning;
      }
    });
    p.skip_critical = healthy > 0;
    const uint64_t* sums = healthy > 0 ? units : all_units;
    const size_t room = records_that_fit(q);
    snap.for_each_match(p, true, now, [&](const Entry& e) {
      if (out.size() >= room) return false;
      ServiceEntry s;
      bool is_near = near(e);
      s.priority = is_near ? 10 : 20;
      int prio = is_near ? 0 : 1;
      s.weight = healthy > 0 ? weight_of(e.service.health, warned[prio], sums[prio]) : srv_weight(100, sums[prio]);
      s.weight_final = true;
      if (registration(e, q.zone, now, s, p.port_name)) out.push_back(s);
      return true;
    });
    return matched;
  }
  size_t critical = 0;
  auto add = [&](const Entry& e) {
    ServiceEntry s;
    s.ttl = ttl_of(e.service, now);
    s.addr = ip_of(e.v6, e.addr);
    s.use_addr = true;
    out.push_back(s);
  };
  snap.for_each_match(p, false, now, [&](const Entry& e) {
    ++matched;
    if (!wants_address(q.qtype) || !e.ip) return;
    if (e.service.health == Health::critical) {
      ++critical;  // answered only if nothing else is
      return;
    }
    add(e);
  });
  if (critical > 0 && out.empty()) {
    bool any_healthy = false;  // a healthy match without an address still counts
    snap.for_each_match(p, false, now, [&](const Entry& e) { any_healthy |= e.service.health != Health::critical; });
    if (!any_healthy)
      snap.for_each_match(p, false, now, [&](const Entry& e) {
        if (e.ip) add(e);
      });
  }
  return matched;
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

// A record as an entry: an IP host answers address questions and is the
// SRV/MX target under its own name; a named host is the target, and the
// CNAME an address question gets when no record has an address.
void record_entry(const Record& r, const ServiceQuery& q, std::vector<ServiceEntry>& out) {
  ServiceEntry e;
  e.ttl = r.ttl;
  e.port = r.port;
  e.priority = r.priority;
  e.weight = r.weight;
  e.mail = r.mail;
  e.text = r.text;
  if (q.qtype == wire::rrtype::TXT) {
    if (!r.text.empty()) out.push_back(e);
    return;
  }
  if (r.ip) {
    e.addr = ip_of(r.v6, r.addr);
    e.use_addr = true;
    if (wants_address(q.qtype) || r.own_name(q.zone, e.target)) out.push_back(e);
    return;
  }
  if (r.host.empty()) return;
  e.target = r.host_name;
  e.cname_fallback = true;
  out.push_back(e);
}

size_t records(const ServiceQuery& q, const Snapshot& snap, std::vector<ServiceEntry>& out) {
  if (snap.records().empty()) return 0;
  GroupChoice g = choose_group(snap, q.labels);
  size_t matched = 0;
  const bool answered = wants_address(q.qtype) || q.qtype == wire::rrtype::TXT || q.qtype == wire::rrtype::SRV ||
                        q.qtype == wire::rrtype::MX;
  for (const auto& r : snap.records()) {
    if (!record_matches(*r, q.labels) || !g.admits(*r)) continue;
    ++matched;
    if (answered) record_entry(*r, q, out);
  }
  return matched;
}

// `_tcp.<name>` (or `_udp`) and `tag.<name>` exist when <name> has live
// instances: the names `_<port>._tcp.<name>` and `<tag>.tag.<name>` are
// below them. NXDOMAIN there would tell a resolver that follows RFC 8020
// (Unbound's harden-below-nxdomain) that nothing below exists either.
bool empty_non_terminal(std::span<const std::string_view> labels, const Snapshot& snap, WallClock::time_point now) {
  if (labels.size() < 2 || (labels[0] != "_tcp" && labels[0] != "_udp" && labels[0] != "tag")) return false;
  Pattern rest;
  if (!make_pattern(labels.subspan(1), rest)) return false;
  bool any = false;
  snap.for_each_match(rest, false, now, [&](const Entry&) {
    any = true;
    return false;
  });
  return any;
}

}  // namespace

Lookup lookup(const ServiceQuery& q, const Snapshot& snap, WallClock::time_point now, std::vector<ServiceEntry>& out) {
  // A name deeper than any record is kept to matches nothing.
  if (q.labels.size() > kMaxLabels) return Lookup::nxdomain;

  // <uuid>.<zone> names one service directly.
  if (q.labels.size() == 1) {
    if (const Entry* e = snap.by_uuid(q.labels[0]); e && !e->service.expired(now)) {
      ServiceEntry s;
      s.priority = 10;
      if (q.qtype == wire::rrtype::SRV ? registration(*e, q.zone, now, s)
                                       : (wants_address(q.qtype) && e->ip && registration(*e, q.zone, now, s)))
        out.push_back(s);
      return Lookup::found;
    }
  }

  // Registrations (a SkyDNS name has at most 6 labels), then other tools' records.
  Pattern p;
  size_t matched = make_pattern(q.labels, p) ? registrations(q, p, snap, now, out) : 0;
  matched += records(q, snap, out);
  if (!matched && empty_non_terminal(q.labels, snap, now)) return Lookup::found;  // NODATA
  return matched ? Lookup::found : Lookup::nxdomain;
}

}  // namespace skycore::plugins::skydns_registry
