// Zone dispatch for one listening address: the most specific server-block
// zone that contains the query name wins; "." catches everything else.
// Immutable once built; lookups do not allocate.
#pragma once
#include <string>
#include <vector>

#include "core/plugin/plugin.h"
#include "core/wire/name.h"

namespace skycore::server {

struct ZoneRoute {
  wire::Name zone;        // lowercased
  std::string zone_text;  // "example.org."
  const Chain* chain;
};

class ZoneTable {
 public:
  // Throws std::invalid_argument for a zone already present.
  void add(const std::string& zone_text, const Chain* chain);
  // `qname_lower` must be lowercased. nullptr when nothing matches (REFUSED).
  const ZoneRoute* match(const wire::Name& qname_lower) const;
  size_t size() const { return routes_.size(); }

 private:
  std::vector<ZoneRoute> routes_;  // longest zone first
};

}  // namespace skycore::server
