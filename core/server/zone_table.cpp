#include "core/server/zone_table.h"

#include <algorithm>
#include <stdexcept>

namespace skycore::server {

void ZoneTable::add(const std::string& zone_text, const Chain* chain) {
  auto name = wire::Name::from_text(zone_text);
  if (!name) throw std::invalid_argument("invalid zone '" + zone_text + "'");
  name->lowercase();
  for (const auto& r : routes_)
    if (r.zone.equals_ignore_case(*name)) throw std::invalid_argument("duplicate zone '" + zone_text + "'");
  routes_.push_back({*name, name->to_text(), chain});
  // Longer wire form = more labels or longer labels; for zones that contain
  // one another, longer always means more specific, which is all we need.
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const ZoneRoute& a, const ZoneRoute& b) { return a.zone.size() > b.zone.size(); });
}

const ZoneRoute* ZoneTable::match(const wire::Name& qname_lower) const {
  // A handful of zones per address is the norm, so a linear scan over the
  // longest-first list beats hashing every suffix of the name.
  for (const auto& r : routes_)
    if (qname_lower.is_subdomain_of(r.zone)) return &r;
  return nullptr;
}

}  // namespace skycore::server
