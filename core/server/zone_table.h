// Zone dispatch for one listening address: the most specific server-block
// zone that contains the query name wins; "." catches everything else.
// Immutable once built; lookups do not allocate. A handful of zones (the
// norm) is scanned longest-first; many (a Corefile with thousands of keys
// on one port) are found by hashing each suffix of the name, so neither
// building nor a lookup grows with the square of the zone count.
#pragma once
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
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
  static constexpr size_t kScanLimit = 16;  // up to this many zones: a linear scan
  std::deque<ZoneRoute> routes_;            // a deque: references stay valid as it grows
  std::vector<const ZoneRoute*> longest_first_;  // kept while size() <= kScanLimit
  std::unordered_map<std::string_view, const ZoneRoute*> by_wire_;  // views into routes_
};

}  // namespace skycore::server
