// Kubernetes as ZoneTransferSource: the cluster zone's records for AXFR, as
// CoreDNS's kubernetes Transfer: SOA, NS and ns.dns, then every name of the
// snapshot (Services, endpoints, SRV, ExternalName CNAMEs, verified pods)
// in name order, then the SOA again. Also k8s_external's records
// (external_transfer), since the data is this plugin's.
#include <algorithm>
#include <set>

#include "core/plugin/qname.h"
#include "core/plugin/record_builder.h"
#include "core/plugin/zone_soa.h"
#include "plugins/kubernetes/cluster_lookup.h"
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

// Every name under one Service, relative to the zone, as labels from the
// left: <svc>.<ns>.svc, its SRV names and its endpoints (without the final
// "svc" for k8s_external). f(labels).
template <typename F>
void for_each_service_name(const ServiceRecords& rec, bool pod_names, bool with_svc, F&& f) {
  const Service& svc = rec.service();
  auto emit = [&](std::string_view a, std::string_view b) {
    std::string_view labels[6];
    size_t n = 0;
    if (!a.empty()) labels[n++] = a;
    if (!b.empty()) labels[n++] = b;
    labels[n++] = svc.name;
    labels[n++] = svc.ns;
    if (with_svc) labels[n++] = "svc";
    f(std::span<const std::string_view>(labels, n));
  };
  emit({}, {});
  if (rec.external_name()) return;
  std::set<std::pair<std::string, std::string>> ports;  // "_name", "_proto"
  if (rec.headless()) {
    for (const auto& row : rec.srv_rows()) ports.emplace("_" + row.port->name, "_" + std::string(row.port->protocol()));
    for (const auto& named : rec.named()) emit(named.label, {});
  } else {
    for (const Port& p : svc.ports)
      if (!p.name.empty()) ports.emplace("_" + p.name, "_" + std::string(p.protocol()));
    std::set<std::string> labels;
    rec.for_each_endpoint_name(pod_names, [&](std::string_view label, std::span<const Ip>, size_t, size_t) {
      labels.emplace(label);
    });
    for (const auto& l : labels) emit(l, {});
  }
  for (const auto& [port, proto] : ports) emit(port, proto);
}

// The records of one name, as answer_cluster gives them: addresses, SRV
// (weights shared as in answers) and an ExternalName's CNAME.
void add_name(TransferWriter& out, const Snapshot& snap, ClusterQuestion q, const wire::Name& owner) {
  std::vector<ServiceEntry> entries;
  q.qtype = wire::rrtype::A;
  if (answer_cluster(snap, q, entries) != Lookup::found) return;
  for (const auto& e : entries) {
    if (e.alias) {
      out.add([&](wire::MessageWriter& w) {
        return w.add_name_rr(wire::Section::answer, owner, wire::rrtype::CNAME, q.ttl, e.target);
      });
      return;
    }
    for (const Ip& ip : e.addresses())
      out.add([&](wire::MessageWriter& w) {
        return ip.v6 ? w.add_aaaa(wire::Section::answer, owner, q.ttl, ip.v6_bytes())
                     : w.add_a(wire::Section::answer, owner, q.ttl, ip.v4_bytes());
      });
  }
  entries.clear();
  q.qtype = wire::rrtype::SRV;
  answer_cluster(snap, q, entries);
  const uint16_t weight = srv_weight(100, 100 * entries.size());
  for (const auto& e : entries) add_srv(out, owner, q.ttl, weight, e.port, e.target);
}

// Owner names in name order (as CoreDNS's transfer walks its tree).
struct Owned {
  std::string text;
  std::vector<std::string> labels;
  static Owned from(std::span<const std::string_view> labels) {
    Owned o;
    for (auto l : labels) {
      if (!o.text.empty()) o.text += '.';
      o.text += l;
      o.labels.emplace_back(l);
    }
    return o;
  }
};

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
  std::vector<Owned> names;
  auto keep = [&](std::span<const std::string_view> labels) { names.push_back(Owned::from(labels)); };
  snap.for_each_service([&](const ServiceRecords& rec) {
    if (rec.answers()) for_each_service_name(rec, cfg_.build.endpoint_pod_names, true, keep);
  });
  if (cfg_.pods == PodMode::verified)
    snap.pods().for_each_verified([&](const Ip& ip, std::string_view ns) {
      if (!cfg_.build.wanted(ns)) return;
      char buf[48];
      std::string_view labels[3] = {dashed(ip, buf), ns, "pod"};
      keep(labels);
    });
  std::sort(names.begin(), names.end(), [](const Owned& a, const Owned& b) { return a.text < b.text; });
  names.erase(std::unique(names.begin(), names.end(), [](const Owned& a, const Owned& b) { return a.text == b.text; }),
              names.end());
  wire::Name owner;
  for (const auto& name : names) {
    if (!join_relative(zone, name.text, owner)) continue;
    std::vector<std::string_view> labels(name.labels.begin(), name.labels.end());
    ClusterQuestion q;
    q.labels = labels;
    q.ttl = ttl;
    q.zone = &zone;
    q.pod_names = cfg_.build.endpoint_pod_names;
    q.verified_pods = cfg_.pods == PodMode::verified;
    add_name(out, snap, q, owner);
  }
  soa();
}

void Kubernetes::external_transfer(const wire::Name& zone, bool headless, uint32_t ttl, TransferWriter& out) const {
  const Snapshot& snap = view(out.request().worker);
  std::vector<std::pair<std::string, const Service*>> exts;
  std::vector<Owned> names;  // headless Services' names, without "svc"
  snap.for_each_service([&](const ServiceRecords& rec) {
    const Service& svc = rec.service();
    if (!svc.external_ips.empty() || !svc.external_host.empty()) {
      exts.emplace_back(svc.name + "." + svc.ns, &svc);
    } else if (headless && rec.headless() && rec.answers()) {
      for_each_service_name(rec, cfg_.build.endpoint_pod_names, false,
                            [&](std::span<const std::string_view> labels) { names.push_back(Owned::from(labels)); });
    }
  });
  std::sort(exts.begin(), exts.end());
  wire::Name owner, named;
  for (const auto& [svc_ns, svc] : exts) {
    if (!join_relative(zone, svc_ns, owner)) continue;
    add_addresses(out, owner, ttl, svc->external_ips);
    if (svc->external_ips.empty())
      if (auto host = wire::Name::from_text(svc->external_host))
        out.add([&](wire::MessageWriter& w) {
          return w.add_name_rr(wire::Section::answer, owner, wire::rrtype::CNAME, ttl, *host);
        });
    size_t named_ports = 0;
    for (const Port& p : svc->ports) named_ports += !p.name.empty();
    const uint16_t weight = srv_weight(100, 100 * named_ports);
    for (const Port& p : svc->ports) {
      if (p.name.empty()) continue;
      std::string rel = "_" + p.name + "._" + std::string(p.protocol()) + "." + svc_ns;
      if (!join_relative(zone, rel, named)) continue;
      add_srv(out, named, ttl, 100, p.port, owner);
      add_srv(out, owner, ttl, weight, p.port, owner);
    }
  }
  std::sort(names.begin(), names.end(), [](const Owned& a, const Owned& b) { return a.text < b.text; });
  for (const auto& name : names) {
    if (!join_relative(zone, name.text, owner)) continue;
    std::vector<std::string_view> labels(name.labels.begin(), name.labels.end());
    labels.push_back("svc");
    ClusterQuestion q;
    q.labels = labels;
    q.ttl = ttl;
    q.zone = &zone;
    q.pod_names = cfg_.build.endpoint_pod_names;
    q.drop_svc_label = true;
    add_name(out, snap, q, owner);
  }
}

}  // namespace skycore::plugins::kubernetes
