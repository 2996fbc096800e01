// One registered service, as the SkyDNS 1 HTTP API describes it.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/skydns-registry/service_details.h"

namespace skycore::plugins::skydns_registry {

using WallClock = std::chrono::system_clock;  // expiry survives restarts, so wall time

struct Service {
  std::string uuid;
  std::string name;         // "Name": the service, e.g. "db"
  std::string version;      // "Version": "1.0.2" (dots become dashes in DNS)
  std::string environment;  // "Environment": "production"
  std::string region;       // "Region": "east"
  std::string host;         // "Host": hostname or IP address
  uint16_t port = 0;        // "Port"
  uint32_t ttl = 0;         // "TTL" seconds; 0 = never expires (static catalogue)
  WallClock::time_point expires{};  // meaningful when ttl > 0
  // Where a shared store (etcd) keeps it: the key, the revision that wrote
  // it and the lease holding its TTL. Empty/0 for the file and memory stores.
  std::string key;
  int64_t revision = 0;
  int64_t lease = 0;
  // "Ports", "Tags", "Checks": null for a SkyDNS 1 registration.
  DetailsPtr details;
  // What its checks last said (passing without checks). Not part of the
  // body: the registry keeps it across refreshes of the same checks.
  Health health = Health::passing;

  // The same registration (all fields but TTL/expiry): a refresh, not a conflict.
  bool same_body(const Service& o) const {
    return name == o.name && version == o.version && environment == o.environment &&
           region == o.region && host == o.host && port == o.port && same_details(details, o.details);
  }
  bool has_checks() const { return details && !details->checks.empty(); }
  bool expired(WallClock::time_point now) const { return ttl > 0 && now >= expires; }
  // Seconds left (at least 1 while alive; `ttl` for never-expiring ones).
  uint32_t remaining(WallClock::time_point now) const;
};

// Lowercases, checks and normalises a service taken from the API or a
// catalogue. Returns an error message for the client, or nullopt if valid.
// Labels must be DNS labels once dots are dashes (host and version) .
std::optional<std::string> normalise(Service& s);

// The DNS labels of a service, left to right: uuid, host, region, version,
// service, environment (host and version with dots turned into dashes).
struct Labels {
  std::string uuid, host, region, version, service, environment;
};
Labels labels_of(const Service& s);

bool host_is_ip(const Service& s);

// ASCII lowercase: names, uuids and JSON/TOML field names compare this way.
std::string lower(std::string_view s);
// Dots turned into dashes, as host and version labels are written.
std::string dashed(std::string s);

}  // namespace skycore::plugins::skydns_registry
