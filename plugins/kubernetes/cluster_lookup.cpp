#include "plugins/kubernetes/cluster_lookup.h"

#include <algorithm>
#include <cstring>

#include "core/plugin/qname.h"

namespace skycore::plugins::kubernetes {
namespace {

using Name = std::string_view;

bool target(const ClusterQuestion& q, std::string_view first, const Service& svc, wire::Name& out) {
  return service_name(*q.zone, first, svc, !q.drop_svc_label, out);
}

// `port` and `proto` are labels ("_http", "_tcp"); an empty `port` matches any name.
bool port_matches(const Port& p, Name port, Name proto) {
  return (port.empty() || p.name == port.substr(1)) && p.protocol() == proto.substr(1);
}

// SRV answers of a Service: all named ports (port.empty()) or one.
void srv_entries(const ClusterQuestion& q, const ServiceRecords& rec, Name port, Name proto,
                 std::vector<ServiceEntry>& out) {
  const Service& svc = rec.service();
  const bool all = port.empty();
  if (!rec.headless()) {
    wire::Name self;
    if (!target(q, {}, svc, self)) return;
    for (size_t i = 0; i < svc.ports.size(); ++i) {
      const Port& p = svc.ports[i];
      if (p.name.empty() || (!all && !port_matches(p, port, proto))) continue;
      bool repeat = false;  // one SRV per port number and target
      for (size_t j = 0; j < i && !repeat; ++j)
        repeat = !svc.ports[j].name.empty() && svc.ports[j].port == p.port && (all || port_matches(svc.ports[j], port, proto));
      if (repeat) continue;
      ServiceEntry e;
      e.ttl = q.ttl;
      e.port = p.port;
      e.target = self;
      e.addrs = rec.addresses();
      out.push_back(e);
    }
    return;
  }
  const auto named = rec.named();
  for (const auto& row : rec.srv_rows()) {
    if (all ? row.repeat : !port_matches(*row.port, port, proto)) continue;
    ServiceEntry e;
    e.ttl = q.ttl;
    e.port = row.port->port;
    e.addrs = named[row.name].addrs;
    if (target(q, named[row.name].label, svc, e.target)) out.push_back(e);
  }
}

bool has_port(const ServiceRecords& rec, Name port, Name proto) {
  if (!rec.headless()) {
    for (const Port& p : rec.service().ports)
      if (!p.name.empty() && port_matches(p, port, proto)) return true;
    return false;
  }
  for (const auto& row : rec.srv_rows())
    if (port_matches(*row.port, port, proto)) return true;
  return false;
}

Lookup service_names(const Snapshot& snap, const ClusterQuestion& q, std::vector<ServiceEntry>& out) {
  const auto labels = q.labels;
  const size_t n = labels.size();
  const ServiceRecords* rec = snap.service(labels[n - 2], labels[n - 3]);
  if (!rec || !rec->answers()) return Lookup::nxdomain;
  const Service& svc = rec->service();
  const bool address = q.qtype == wire::rrtype::A || q.qtype == wire::rrtype::AAAA;
  if (rec->external_name()) {
    if (n != 3) return Lookup::nxdomain;
    ServiceEntry e;
    e.ttl = q.ttl;
    e.alias = true;
    if (auto t = wire::Name::from_text(svc.external_name)) {
      e.target = *t;
      out.push_back(e);
    }
    return Lookup::found;
  }
  if (n == 3) {
    if (address) {
      ServiceEntry e;
      e.ttl = q.ttl;
      e.addrs = rec->addresses();
      out.push_back(e);
    } else if (q.qtype == wire::rrtype::SRV) {
      srv_entries(q, *rec, {}, {}, out);
    }
    return Lookup::found;
  }
  if (n == 5) {  // _<port>._<proto>.<svc>.<ns>.svc
    if (!labels[0].starts_with('_') || !labels[1].starts_with('_')) return Lookup::nxdomain;
    if (!has_port(*rec, labels[0], labels[1])) return Lookup::nxdomain;
    if (q.qtype == wire::rrtype::SRV) srv_entries(q, *rec, labels[0], labels[1], out);
    return Lookup::found;
  }
  if (n != 4) return Lookup::nxdomain;
  if (labels[0].starts_with('_'))  // _<proto>.<svc>.<ns>.svc
    return has_port(*rec, {}, labels[0]) ? Lookup::found : Lookup::nxdomain;
  // <endpoint>.<svc>.<ns>.svc
  bool found = false;
  if (rec->headless()) {
    for (const auto& named : rec->named())
      if (named.label == labels[0]) {
        found = true;
        if (address) {
          ServiceEntry e;
          e.ttl = q.ttl;
          e.addrs = named.addrs;
          out.push_back(e);
        }
        break;
      }
    return found ? Lookup::found : Lookup::nxdomain;
  }
  const size_t first = out.size();
  rec->for_each_endpoint_name(q.pod_names, [&](std::string_view label, std::span<const Ip> addrs, size_t, size_t) {
    if (label != labels[0]) return;
    found = true;
    if (!address) return;
    for (size_t k = first; k < out.size(); ++k)  // the same endpoint in two slices
      if (std::equal(out[k].addrs.begin(), out[k].addrs.end(), addrs.begin(), addrs.end())) return;
    ServiceEntry e;
    e.ttl = q.ttl;
    e.addrs = addrs;
    out.push_back(e);
  });
  return found ? Lookup::found : Lookup::nxdomain;
}

}  // namespace

bool service_name(const wire::Name& zone, std::string_view first, const Service& svc, bool svc_label, wire::Name& out) {
  char buf[256];
  size_t len = 0;
  auto put = [&](std::string_view s) {
    if (len + s.size() + 1 >= sizeof buf) return false;
    if (len) buf[len++] = '.';
    std::memcpy(buf + len, s.data(), s.size());
    len += s.size();
    return true;
  };
  if (!first.empty() && !put(first)) return false;
  if (!put(svc.name) || !put(svc.ns)) return false;
  if (svc_label && !put("svc")) return false;
  return join_relative(zone, std::string_view(buf, len), out);
}

Lookup answer_cluster(const Snapshot& snap, const ClusterQuestion& q, std::vector<ServiceEntry>& out) {
  const auto labels = q.labels;
  const size_t n = labels.size();
  if (n == 0) return Lookup::nxdomain;
  const Name last = labels[n - 1];
  if (last == "svc") {
    if (n == 1) return Lookup::found;
    if (n == 2) return snap.has_namespace(labels[0]) ? Lookup::found : Lookup::nxdomain;
    return service_names(snap, q, out);
  }
  if (last == "pod") {
    if (n == 1) return Lookup::found;
    if (n == 2) return snap.has_namespace(labels[0]) ? Lookup::found : Lookup::nxdomain;
    if (n != 3 || !q.verified_pods) return Lookup::nxdomain;
    auto ip = undashed(labels[0]);
    char buf[48];
    // Only the address's own spelling ("10-1-0-5"), as the pod's A record is named.
    if (!ip || dashed(*ip, buf) != labels[0] || !snap.has_pod(labels[1], *ip)) return Lookup::nxdomain;
    if (q.qtype == wire::rrtype::A || q.qtype == wire::rrtype::AAAA) {
      ServiceEntry e;
      e.ttl = q.ttl;
      e.addr = *ip;
      e.use_addr = true;
      out.push_back(e);
    }
    return Lookup::found;
  }
  return Lookup::nxdomain;
}

}  // namespace skycore::plugins::kubernetes
