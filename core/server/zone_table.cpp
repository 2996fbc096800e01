#include "core/server/zone_table.h"

#include <algorithm>
#include <stdexcept>

namespace skycore::server {
namespace {
std::string_view wire_view(const wire::Name& n) {
  auto w = n.wire();
  return {reinterpret_cast<const char*>(w.data()), w.size()};
}
}  // namespace

void ZoneTable::add(const std::string& zone_text, const Chain* chain) {
  auto name = wire::Name::from_text(zone_text);
  if (!name) throw std::invalid_argument("invalid zone '" + zone_text + "'");
  name->lowercase();
  if (by_wire_.find(wire_view(*name)) != by_wire_.end())
    throw std::invalid_argument("duplicate zone '" + zone_text + "'");
  const auto index = static_cast<uint32_t>(routes_.size());
  routes_.push_back(ZoneRoute{*name, name->to_text(), chain});
  by_wire_.emplace(std::string(wire_view(*name)), index);
  if (routes_.size() > kScanLimit) {
    longest_first_.clear();
    return;
  }
  // Longer wire form = more labels or longer labels; for zones that contain
  // one another, longer always means more specific, which is all we need.
  auto at = std::upper_bound(longest_first_.begin(), longest_first_.end(), index, [this](uint32_t a, uint32_t b) {
    return routes_[a].zone.size() > routes_[b].zone.size();
  });
  longest_first_.insert(at, index);
}

const ZoneRoute* ZoneTable::match(const wire::Name& qname_lower) const {
  if (routes_.size() <= kScanLimit) {
    for (uint32_t i : longest_first_)
      if (qname_lower.is_subdomain_of(routes_[i].zone)) return &routes_[i];
    return nullptr;
  }
  // Every suffix of the name, longest (most specific) first.
  auto w = qname_lower.wire();
  for (size_t i = 0; i < w.size();) {
    auto it = by_wire_.find(std::string_view(reinterpret_cast<const char*>(w.data() + i), w.size() - i));
    if (it != by_wire_.end()) return &routes_[it->second];
    if (w[i] == 0) break;
    i += w[i] + 1;
  }
  return nullptr;
}

}  // namespace skycore::server
