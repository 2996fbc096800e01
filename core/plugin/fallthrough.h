// CoreDNS's `fallthrough [ZONES...]`: a name the plugin does not know goes on
// to the next plugin, for every zone (no arguments) or only the listed ones.
#pragma once
#include <vector>

#include "core/plugin/qname.h"
#include "core/wire/name.h"

namespace skycore {

struct Fallthrough {
  bool enabled = false;
  std::vector<wire::Name> zones;  // lowercased; empty = every zone

  bool covers(const wire::Name& qname_lower) const {
    return enabled && (zones.empty() || in_any_zone(zones, qname_lower));
  }
};

}  // namespace skycore
