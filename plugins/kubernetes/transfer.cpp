// Kubernetes as ZoneTransferSource: the cluster zone's records for AXFR, as
// CoreDNS's kubernetes Transfer: SOA, NS and ns.dns, then every name of the
// snapshot (Services, endpoints, SRV, ExternalName CNAMEs, verified pods)
// in name order, then the SOA again. Also k8s_external's records
// (external_transfer), since the data is this plugin's.
#include <algorithm>

#include "core/plugin/qname.h"
#include "core/plugin/record_builder.h"
#include "core/plugin/zone_soa.h"
#include "plugins/kubernetes/kubernetes.h"

namespace skycore::plugins::kubernetes {
namespace {

void add_addresses(TransferWriter& out, const wire::Name& owner, uint32_t ttl, const std::vector<Ip>& addrs) {
  for (const Ip& ip : addrs)
    out.add([&](wire::MessageWriter& w) {
      return ip.v6 ? w.add_aaaa(wire::Section::answer, owner, ttl, ip.v6_bytes())
                   : w.add_a(wire::Section::answer, owner, ttl, ip.v4_bytes());
    });
}

void add_srv(TransferWriter& out, const wire::Name& owner, uint32_t ttl, uint16_t weight, uint16_t port,
             const wire::Name& target) {
  out.add([&](wire::MessageWriter& w) { return w.add_srv(wire::Section::answer, owner, ttl, 0, weight, port, target); });
}

}  // namespace

bool Kubernetes::transfers(const wire::Name& zone) const {
  for (const auto& z : cfg_.zones)
    if (!is_reverse_zone(z) && z.equals_ignore_case(zone)) return true;
  return false;
}

void Kubernetes::transfer(const wire::Name& zone, TransferWriter& out) const {
  const Request& req = out.request();
  const Snapshot& snap = view(req.worker);
  const uint32_t ttl = cfg_.ttl, serial = transfer_serial(zone);
  auto soa = [&] {
    out.add([&](wire::MessageWriter& w) {
      return add_zone_soa(w, wire::Section::answer, zone, zone, ttl, serial, ttl);
    });
  };
  soa();
  out.add([&](wire::MessageWriter& w) {
    return w.add_name_rr(wire::Section::answer, zone, wire::rrtype::NS, ttl, zone_ns_name(zone));
  });
  out.add([&](wire::MessageWriter& w) {
    return add_ns_address(w, wire::Section::answer, zone, req.local_addr, ttl, wire::rrtype::ANY);
  });
  std::vector<std::pair<std::string_view, const Node*>> names;
  snap.for_each_node([&](const std::string& name, const Node& node) { names.emplace_back(name, &node); });
  std::sort(names.begin(), names.end());
  wire::Name owner, target;
  for (const auto& [rel, node] : names) {
    if (!join_relative(zone, rel, owner)) continue;
    add_addresses(out, owner, ttl, node->addrs);
    const uint16_t weight = srv_weight(100, 100 * node->srvs.size());
    for (const Srv& s : node->srvs)
      if (join_relative(zone, s.target, target)) add_srv(out, owner, ttl, weight, s.port, target);
    if (!node->cname.empty())
      if (auto t = wire::Name::from_text(node->cname))
        out.add([&](wire::MessageWriter& w) {
          return w.add_name_rr(wire::Section::answer, owner, wire::rrtype::CNAME, ttl, *t);
        });
  }
  soa();
}

void Kubernetes::external_transfer(const wire::Name& zone, bool headless, uint32_t ttl, TransferWriter& out) const {
  const Snapshot& snap = view(out.request().worker);
  std::vector<std::pair<std::string_view, const External*>> exts;
  snap.for_each_external([&](const std::string& name, const External& e) { exts.emplace_back(name, &e); });
  std::sort(exts.begin(), exts.end());
  wire::Name owner, named;
  for (const auto& [svc_ns, ext] : exts) {
    if (!join_relative(zone, svc_ns, owner)) continue;
    add_addresses(out, owner, ttl, ext->addrs);
    if (ext->addrs.empty())
      if (auto host = wire::Name::from_text(ext->host))
        out.add([&](wire::MessageWriter& w) {
          return w.add_name_rr(wire::Section::answer, owner, wire::rrtype::CNAME, ttl, *host);
        });
    size_t named_ports = 0;
    for (const Port& p : ext->ports) named_ports += !p.name.empty();
    const uint16_t weight = srv_weight(100, 100 * named_ports);
    for (const Port& p : ext->ports) {
      if (p.name.empty()) continue;
      std::string rel = "_" + p.name + "._" + p.protocol + "." + std::string(svc_ns);
      if (!join_relative(zone, rel, named)) continue;
      add_srv(out, named, ttl, 100, p.port, owner);
      add_srv(out, owner, ttl, weight, p.port, owner);
    }
  }
  if (!headless) return;
  // Headless Services: their names in the cluster zone end in ".svc".
  std::vector<std::pair<std::string_view, const Node*>> names;
  snap.for_each_node([&](const std::string& name, const Node& node) {
    std::string_view rel = name;
    if (!rel.ends_with(".svc")) return;
    rel.remove_suffix(4);
    // The Service is the last two labels ("svc.ns").
    size_t dot = rel.rfind('.');
    if (dot == std::string_view::npos) return;
    size_t dot2 = rel.rfind('.', dot - 1);
    std::string_view svc_ns = dot2 == std::string_view::npos ? rel : rel.substr(dot2 + 1);
    if (snap.is_headless(svc_ns) && !snap.external(svc_ns)) names.emplace_back(rel, &node);
  });
  std::sort(names.begin(), names.end());
  wire::Name target;
  for (const auto& [rel, node] : names) {
    if (!join_relative(zone, rel, owner)) continue;
    add_addresses(out, owner, ttl, node->addrs);
    const uint16_t weight = srv_weight(100, 100 * node->srvs.size());
    for (const Srv& s : node->srvs) {
      std::string_view t = s.target;
      if (t.ends_with(".svc")) t.remove_suffix(4);
      if (join_relative(zone, t, target)) add_srv(out, owner, ttl, weight, s.port, target);
    }
  }
}

}  // namespace skycore::plugins::kubernetes
