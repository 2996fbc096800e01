// What a name in a skydns-registry zone stands for, as ServiceEntry values
// for the RecordBuilder: registrations (SRV with SkyDNS's region
// priorities, A/AAAA for services registered by IP, <uuid>.<zone> alone)
// and the records other CoreDNS-etcd tools wrote. Look-ups only: no wire
// format here.
#pragma once
#include <vector>

#include "core/plugin/service_backend.h"
#include "plugins/skydns-registry/snapshot.h"

namespace skycore::plugins::skydns_registry {

inline constexpr uint32_t kStaticTtl = 300;  // services registered without a TTL
inline constexpr uint32_t kSoaTtl = 30;

// `q.qtype` is the answered type (ANY is asked as SRV).
Lookup lookup(const ServiceQuery& q, const Snapshot& snap, WallClock::time_point now,
              std::vector<ServiceEntry>& out);

}  // namespace skycore::plugins::skydns_registry
