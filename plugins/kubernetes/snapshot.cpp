#include "plugins/kubernetes/snapshot.h"

#include <algorithm>

namespace skycore::plugins::kubernetes {
namespace {

void add_unique(std::vector<Ip>& v, const Ip& ip) {
  if (std::find(v.begin(), v.end(), ip) == v.end()) v.push_back(ip);
}

// One SRV per (port, target); a dual-stack endpoint's two addresses go
// into the same record's additional section.
void add_srv(std::vector<Srv>& srvs, uint16_t port, std::string_view target, const std::vector<Ip>& addrs) {
  for (auto& s : srvs) {
    if (s.port == port && s.target == target) {
      for (const Ip& ip : addrs) add_unique(s.addrs, ip);
      return;
    }
  }
  srvs.push_back(Srv{port, target, addrs});
}


}  // namespace

Snapshot::Snapshot(const Objects& objects, const BuildOptions& o) {
  auto wanted = [&](const std::string& ns) {
    return o.namespaces.empty() || std::find(o.namespaces.begin(), o.namespaces.end(), ns) != o.namespaces.end();
  };
  for (const auto& [_, n] : objects.namespaces)
    if (wanted(n.name)) namespaces_.insert(n.name);

  // Slices by the Service they belong to: "namespace/service".
  std::unordered_map<std::string, std::vector<const EndpointSlice*>> slices;
  for (const auto& [_, s] : objects.slices) slices[s.ns + "/" + s.service].push_back(&s);
  static const std::vector<const EndpointSlice*> kNone;

  // PTR rows as names are made: an address, its node's own key, and
  // whether a Service (not an endpoint) has that address.
  std::vector<std::pair<PtrName, bool>> rows;
  auto key_of = [&](const std::string& name) { return &nodes_.try_emplace(name).first->first; };
  for (const auto& [_, svc] : objects.services) {
    if (!wanted(svc.ns)) continue;
    namespaces_.insert(svc.ns);  // a Service's namespace exists even before its watch caught up
    const std::string base = svc.name + "." + svc.ns + ".svc";
    if (!svc.external_ips.empty() || !svc.external_host.empty())
      externals_.emplace(svc.name + "." + svc.ns, External{svc.external_ips, svc.external_host, svc.ports});
    if (svc.kind == Service::Kind::headless) headless_.insert(svc.name + "." + svc.ns);
    auto it = slices.find(svc.ns + "/" + svc.name);
    const auto& mine = it == slices.end() ? kNone : it->second;

    if (svc.kind == Service::Kind::external_name) {
      node(base).cname = svc.external_name;
      continue;
    }
    // Endpoints that answer: ready ones, or all with publishNotReadyAddresses
    // (the endpoint controller already marks those ready) or the
    // tolerate-unready annotation.
    bool any_ready = false;
    for (const EndpointSlice* slice : mine) {
      for (const Endpoint& ep : slice->endpoints) {
        if (!ep.ready && !svc.publish_not_ready) continue;
        any_ready = true;
        for (const Ip& ip : ep.addresses) {
          std::string host = !ep.hostname.empty()                        ? ep.hostname
                             : (o.endpoint_pod_names && !ep.pod.empty()) ? ep.pod
                                                                         : dashed(ip);
          const std::string ename = host + "." + base;
          add_unique(node(ename).addrs, ip);
          rows.push_back({{ip, key_of(ename)}, false});
          if (svc.kind == Service::Kind::headless) {
            add_unique(node(base).addrs, ip);
            for (const Port& p : slice->ports) {
              if (p.name.empty()) continue;  // SRV only for named ports
              add_srv(node("_" + p.name + "._" + p.protocol + "." + base).srvs, p.port, *key_of(ename), {ip});
              add_srv(node(base).srvs, p.port, *key_of(ename), {ip});
            }
          }
        }
      }
    }
    if (svc.kind == Service::Kind::headless) continue;  // no ready endpoint: no records, NXDOMAIN
    if (o.ignore_empty_service && !any_ready) continue;
    Node& n = node(base);
    for (const Ip& ip : svc.cluster_ips) {
      add_unique(n.addrs, ip);
      rows.push_back({{ip, key_of(base)}, true});
    }
    for (const Port& p : svc.ports) {
      if (p.name.empty()) continue;
      add_srv(node("_" + p.name + "._" + p.protocol + "." + base).srvs, p.port, *key_of(base), svc.cluster_ips);
      add_srv(node(base).srvs, p.port, *key_of(base), svc.cluster_ips);
    }
  }
  // A Service address names the Service; an endpoint address its endpoint
  // names, unless a Service has it. Each name once per address, in the
  // order it was added.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.first.ip < b.first.ip || (a.first.ip == b.first.ip && a.second && !b.second);
  });
  ptr_.reserve(rows.size());
  for (size_t i = 0; i < rows.size();) {
    const bool service = rows[i].second;
    const size_t first = ptr_.size();
    size_t j = i;
    for (; j < rows.size() && rows[j].first.ip == rows[i].first.ip; ++j) {
      if (rows[j].second != service) continue;
      bool seen = false;
      for (size_t k = first; k < ptr_.size() && !seen; ++k) seen = ptr_[k].name == rows[j].first.name;
      if (!seen) ptr_.push_back(rows[j].first);
    }
    i = j;
  }
  ptr_.shrink_to_fit();

  if (o.pods_verified) {
    objects.pods.for_each([&](const std::string& ns, std::span<const Ip> ips, bool) {
      if (!wanted(ns)) return;
      for (const Ip& ip : ips) add_unique(node(dashed(ip) + "." + ns + ".pod").addrs, ip);
    });
  }
  if (o.pod_index) pods_ = PodIndex(objects.pods);

  // Every name above a name that exists answers NODATA, as do the
  // namespaces and the svc/pod labels themselves.
  ents_.insert("svc");
  ents_.insert("pod");
  for (const auto& ns : namespaces_) {
    ents_.insert(ns + ".svc");
    ents_.insert(ns + ".pod");
  }
  for (const auto& [name, _] : nodes_) {
    for (size_t dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1)) {
      std::string_view parent = std::string_view(name).substr(dot + 1);
      if (!nodes_.count(std::string(parent))) ents_.emplace(parent);
    }
  }
}

}  // namespace skycore::plugins::kubernetes
