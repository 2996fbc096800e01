// Builds DNS answers from a registry snapshot: SRV with SkyDNS's region
// priorities, A/AAAA for services registered by IP, NXDOMAIN/NODATA with the
// zone's SOA. Writes straight into the response; allocates nothing.
#pragma once
#include "core/plugin/request.h"
#include "plugins/skydns-registry/snapshot.h"

namespace skycore::plugins::skydns_registry {

inline constexpr uint32_t kStaticTtl = 300;  // services registered without a TTL
inline constexpr uint32_t kSoaTtl = 30;

// Answers `req` for `zone` (lowercased), with `labels` the query name's
// labels above the zone, left to right. Returns the rcode written.
uint16_t answer(Request& req, const wire::Name& zone, std::span<const std::string_view> labels,
                const Snapshot& snap, uint32_t serial, WallClock::time_point now);

}  // namespace skycore::plugins::skydns_registry
