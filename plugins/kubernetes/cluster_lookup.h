// The cluster zone's names, answered by reading the query's labels against
// the snapshot's per-Service records (Kubernetes DNS specification 1.1.0):
//   svc, pod, <ns>.svc, <ns>.pod                    empty non-terminals
//   <svc>.<ns>.svc                                  A/AAAA, SRV per named port, or CNAME (ExternalName)
//   <endpoint>.<svc>.<ns>.svc                       A/AAAA
//   _<port>._<proto>.<svc>.<ns>.svc                 SRV (and _<proto>.<svc>.<ns>.svc: empty non-terminal)
//   <a-b-c-d>.<ns>.pod                              A/AAAA (`pods verified`)
// No allocation: answers' addresses are spans into the snapshot.
#pragma once
#include <span>
#include <string_view>
#include <vector>

#include "core/plugin/service_backend.h"
#include "plugins/kubernetes/snapshot.h"

namespace skycore::plugins::kubernetes {

struct ClusterQuestion {
  std::span<const std::string_view> labels;  // relative to the zone, left to right, ending in "svc" or "pod"
  uint16_t qtype = 0;
  uint32_t ttl = 0;
  const wire::Name* zone = nullptr;  // where SRV targets are
  bool pod_names = false;            // endpoint_pod_names
  bool verified_pods = false;
  bool drop_svc_label = false;  // k8s_external: targets are <...>.<svc>.<ns>.<zone>, without "svc"
};

// "<first>.<svc>.<ns>[.svc]" (`first` may be empty) joined onto `zone`:
// SRV targets, PTR names, k8s_external owners. False if it would not fit.
bool service_name(const wire::Name& zone, std::string_view first, const Service& svc, bool svc_label, wire::Name& out);

Lookup answer_cluster(const Snapshot& snap, const ClusterQuestion& q, std::vector<ServiceEntry>& out);

}  // namespace skycore::plugins::kubernetes
