// The etcd store: registrations shared by every skycore server pointed at
// the same etcd, in the SkyDNS 2 / CoreDNS etcd layout
//   PREFIX/<zone labels reversed>/<environment>/<service>/<version>/<region>/<host>/<uuid>
// with the value {"host","port","priority","weight","ttl"} (plus the
// original version under "skydns", since the key holds it dashed). A TTL is
// an etcd lease: a heartbeat renews it, and etcd deletes the key when it
// runs out, which every server sees through its watch on the prefix.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/wire/name.h"
#include "plugins/skydns-registry/etcd_client.h"
#include "plugins/skydns-registry/store.h"

namespace skycore::plugins::skydns_registry {

struct EtcdOptions {
  std::vector<EtcdEndpoint> endpoints;
  std::string prefix = "/skydns";
  wire::Name zone;  // the key path's zone part
};

std::unique_ptr<Store> make_etcd_store(EtcdOptions options);

// The key of a registration, and the registration a key and value describe
// (nullopt, with `why`, for keys outside the layout or unusable values).
std::string etcd_key(const std::string& zone_path, const Service& s);
std::string etcd_value(const Service& s);
std::optional<Service> service_from_etcd(const std::string& zone_path, const KeyValue& kv,
                                         WallClock::time_point now, std::string& why);
// "/skydns/local/skydns/" for prefix /skydns and zone skydns.local.
std::string etcd_zone_path(const std::string& prefix, const wire::Name& zone);

}  // namespace skycore::plugins::skydns_registry
