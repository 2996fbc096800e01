// Kubernetes as ExternalSource (core/plugin/external_source.h): what the
// k8s_external plugin answers under its own zone, from the same snapshot as
// the cluster zone, as CoreDNS's kubernetes External():
//   <svc>.<ns>.<zone>               A/AAAA of the Service's external IPs and
//                                   load-balancer ingress (or a CNAME to the
//                                   ingress host name), SRV per port
//   _<port>._<proto>.<svc>.<ns>...  SRV for that port
//   with headless, for a headless Service: its endpoints' addresses and
//   <endpoint>.<svc>.<ns>.<zone>.
#include <cstring>

#include "core/plugin/qname.h"
#include "plugins/kubernetes/cluster_lookup.h"
#include "plugins/kubernetes/kubernetes.h"

namespace skycore::plugins::kubernetes {
namespace {

std::string_view strip_underscore(std::string_view s) { return !s.empty() && s[0] == '_' ? s.substr(1) : s; }

}  // namespace

Lookup Kubernetes::external(const ServiceQuery& q, bool headless, uint32_t ttl,
                            std::vector<ServiceEntry>& out) const {
  const Snapshot& snap = view(q.req.worker);
  const auto labels = q.labels;
  const size_t n = labels.size();
  if (n == 0) return Lookup::found;
  if (!snap.has_namespace(labels[n - 1])) return Lookup::nxdomain;
  if (n == 1) return Lookup::found;  // a namespace: NODATA
  if (n > 4) return Lookup::nxdomain;

  const ServiceRecords* rec = snap.service(labels[n - 1], labels[n - 2]);
  const Service* svc = rec ? &rec->service() : nullptr;
  const bool ext = svc && (!svc->external_ips.empty() || !svc->external_host.empty());
  // As CoreDNS: with `headless`, a Service without outside addresses answers
  // from its endpoints when it is headless or an endpoint is asked for.
  const bool as_headless = headless && !ext && ((rec && rec->headless()) || n == 3);
  if (!ext && !as_headless) return Lookup::nxdomain;
  const uint16_t qtype = q.qtype;

  if (ext) {
    // As CoreDNS, an endpoint label in front of such a Service is ignored.
    std::string_view port, proto;
    if (n == 4) {
      port = strip_underscore(labels[0]);
      proto = strip_underscore(labels[1]);
      bool any = false;
      for (const Port& p : svc->ports) any |= p.name == port && p.protocol() == proto;
      if (!any) return Lookup::nxdomain;
    }
    if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
      ServiceEntry e;
      e.ttl = ttl;
      if (!svc->external_ips.empty()) {
        e.addrs = svc->external_ips;
        out.push_back(e);
      } else if (auto host = wire::Name::from_text(svc->external_host)) {
        e.alias = true;  // a load balancer known by name: CNAME, and its records
        e.target = *host;
        out.push_back(e);
      }
    } else if (qtype == wire::rrtype::SRV) {
      wire::Name target;
      if (!service_name(q.zone, {}, *svc, false, target)) return Lookup::found;
      for (const Port& p : svc->ports) {
        if (n == 4 && !(p.name == port && p.protocol() == proto)) continue;
        ServiceEntry e;
        e.ttl = ttl;
        e.port = p.port;
        e.target = target;
        e.addrs = svc->external_ips;
        out.push_back(e);
      }
    }
    return Lookup::found;
  }

  // A headless Service: its records in the cluster zone are "<name>.svc".
  std::string_view with_svc[5];
  std::copy(labels.begin(), labels.end(), with_svc);
  with_svc[n] = "svc";
  ClusterQuestion cq;
  cq.labels = std::span<const std::string_view>(with_svc, n + 1);
  cq.qtype = qtype;
  cq.ttl = ttl;
  cq.zone = &q.zone;
  cq.pod_names = cfg_.build.endpoint_pod_names;
  cq.drop_svc_label = true;
  return answer_cluster(snap, cq, out);
}

}  // namespace skycore::plugins::kubernetes
