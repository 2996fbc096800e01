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
#include "plugins/kubernetes/kubernetes.h"

namespace skycore::plugins::kubernetes {
namespace {

// "a.b.c" from labels, into `buf` (256 bytes); false if it would not fit.
bool join(std::span<const std::string_view> labels, char* buf, size_t& len) {
  len = 0;
  for (size_t k = 0; k < labels.size(); ++k) {
    if (len + labels[k].size() + 1 >= 256) return false;
    if (k) buf[len++] = '.';
    std::memcpy(buf + len, labels[k].data(), labels[k].size());
    len += labels[k].size();
  }
  return true;
}

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

  char key[256];
  size_t key_len = 0;
  if (!join(labels.subspan(n - 2), key, key_len)) return Lookup::nxdomain;
  const std::string_view svc_ns(key, key_len);
  const External* ext = snap.external(svc_ns);
  // As CoreDNS: with `headless`, a Service without outside addresses answers
  // from its endpoints when it is headless or an endpoint is asked for.
  const bool as_headless = headless && !ext && (snap.is_headless(svc_ns) || n == 3);
  if (!ext && !as_headless) return Lookup::nxdomain;
  const uint16_t qtype = q.qtype;

  if (ext) {
    // As CoreDNS, an endpoint label in front of such a Service is ignored.
    std::string_view port, proto;
    if (n == 4) {
      port = strip_underscore(labels[0]);
      proto = strip_underscore(labels[1]);
      bool any = false;
      for (const Port& p : ext->ports) any |= p.name == port && p.protocol == proto;
      if (!any) return Lookup::nxdomain;
    }
    if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
      ServiceEntry e;
      e.ttl = ttl;
      if (!ext->addrs.empty()) {
        e.addrs = ext->addrs;
        out.push_back(e);
      } else if (auto host = wire::Name::from_text(ext->host)) {
        e.alias = true;  // a load balancer known by name: CNAME, and its records
        e.target = *host;
        out.push_back(e);
      }
    } else if (qtype == wire::rrtype::SRV) {
      wire::Name target;
      if (!join_relative(q.zone, svc_ns, target)) return Lookup::found;
      for (const Port& p : ext->ports) {
        if (n == 4 && !(p.name == port && p.protocol == proto)) continue;
        ServiceEntry e;
        e.ttl = ttl;
        e.port = p.port;
        e.target = target;
        e.addrs = ext->addrs;
        out.push_back(e);
      }
    }
    return Lookup::found;
  }

  // A headless Service: its records in the cluster zone are "<name>.svc".
  char rel[256];
  size_t len = 0;
  if (!join(labels, rel, len) || len + 4 >= sizeof rel) return Lookup::nxdomain;
  std::memcpy(rel + len, ".svc", 4);
  const Node* node = snap.find(std::string_view(rel, len + 4));
  if (!node) return snap.is_empty_non_terminal(std::string_view(rel, len + 4)) ? Lookup::found : Lookup::nxdomain;
  if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
    ServiceEntry e;
    e.ttl = ttl;
    e.addrs = node->addrs;
    out.push_back(e);
  } else if (qtype == wire::rrtype::SRV) {
    for (const Srv& s : node->srvs) {
      std::string_view t = s.target;  // "<ep>.<svc>.<ns>.svc"
      if (t.ends_with(".svc")) t.remove_suffix(4);
      ServiceEntry e;
      e.ttl = ttl;
      e.port = s.port;
      e.addrs = s.addrs;
      if (join_relative(q.zone, t, e.target)) out.push_back(e);
    }
  }
  return Lookup::found;
}

}  // namespace skycore::plugins::kubernetes
