// Zone dispatch for one listening address: the most specific server-block
// zone that contains the query name wins; "." catches everything else.
// Immutable once built; lookups do not allocate. A handful of zones (the
// norm) is scanned longest-first; many (a Corefile with thousands of keys
// on one port) are found by hashing each suffix of the name, so neither
// building nor a lookup grows with the square of the zone count.
#pragma once
#include <functional>
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
  // Indices, not pointers: a ZoneTable is copied and moved with the
  // listener that owns it.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kScanLimit = 16;  // up to this many zones: a linear scan
  std::vector<ZoneRoute> routes_;
  std::vector<uint32_t> longest_first_;  // kept while size() <= kScanLimit
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> by_wire_;  // zone wire bytes
};

}  // namespace skycore::server
