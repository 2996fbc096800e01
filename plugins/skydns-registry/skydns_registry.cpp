#include "plugins/skydns-registry/skydns_registry.h"

#include "plugins/skydns-registry/lookup.h"

namespace skycore::plugins::skydns_registry {

SkydnsRegistry::SkydnsRegistry(std::vector<wire::Name> zones, std::shared_ptr<Registry> registry,
                               size_t workers, std::shared_ptr<void> keep)
    : registry_(std::move(registry)),
      answerer_("skydns-registry", std::move(zones), *this, Fallthrough{}, workers),
      views_(workers),
      keep_(std::move(keep)) {}

uint32_t SkydnsRegistry::min_ttl(const ServiceQuery&) const { return kSoaTtl; }

Lookup SkydnsRegistry::services(const ServiceQuery& q, std::vector<ServiceEntry>& out) {
  return lookup(q, view(q.req.worker), WallClock::now(), out);
}

}  // namespace skycore::plugins::skydns_registry
