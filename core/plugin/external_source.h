// What k8s_external asks of the kubernetes plugin in its block: the cluster's
// Services as seen from outside (their external and load-balancer
// addresses, and with `headless` their endpoints), under another zone.
// Answers come from kubernetes' snapshot, without locks or allocation.
#pragma once
#include <vector>

#include "core/plugin/service_backend.h"
#include "core/plugin/zone_transfer.h"

namespace skycore {

class ExternalSource {
 public:
  virtual ~ExternalSource() = default;
  // False until the first sync (k8s_external answers SERVFAIL meanwhile).
  virtual bool external_ready() const = 0;
  // Entries for `q` (labels below the external zone: "web", "ns" for
  // web.ns.<zone>; "_http", "_tcp", "web", "ns" for its SRV; with headless,
  // "ep", "web", "ns" for an endpoint) with `ttl`. Appends to `out`.
  virtual Lookup external(const ServiceQuery& q, bool headless, uint32_t ttl,
                          std::vector<ServiceEntry>& out) const = 0;
  // Changes with every new snapshot (the SOA serial's source).
  virtual uint32_t external_version() const = 0;
  // Every record under `zone` but its apex's (a zone transfer).
  virtual void external_transfer(const wire::Name& zone, bool headless, uint32_t ttl, TransferWriter& out) const = 0;
};

}  // namespace skycore
