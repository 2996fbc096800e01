#include "plugins/skydns-registry/skydns_registry.h"

#include "plugins/skydns-registry/answer.h"

#include <cstdio>

namespace skycore::plugins::skydns_registry {

SkydnsRegistry::SkydnsRegistry(std::vector<wire::Name> zones, std::shared_ptr<Registry> registry,
                               size_t workers, std::shared_ptr<void> keep)
    : zones_(std::move(zones)), registry_(std::move(registry)), views_(std::max<size_t>(workers, 1)),
      keep_(std::move(keep)) {}

const Snapshot& SkydnsRegistry::view(uint16_t worker) {
  WorkerView& v = views_[worker < views_.size() ? worker : 0];
  uint64_t current = registry_->version();
  if (current != v.version) {  // only after a change: one atomic load + refcount
    v.snapshot = registry_->snapshot();
    v.version = current;
  }
  return *v.snapshot;
}

asio::awaitable<Result> SkydnsRegistry::serve(Request& req, Next next) {
  const wire::Name* zone = nullptr;
  for (const auto& z : zones_)
    if (req.query.qname_lower.is_subdomain_of(z) && (!zone || z.size() > zone->size())) zone = &z;
  if (!zone) co_return co_await next(req);

  // Labels above the zone, left to right, as views into the lowercased name.
  // A name deeper than the array matches nothing (SkyDNS names have 6
  // labels; other tools' records are kept to as many): it gets NXDOMAIN.
  std::array<std::string_view, kMaxLabels> labels;
  auto wire_name = req.query.qname_lower.wire();
  size_t depth = req.query.qname_lower.label_count() - zone->label_count();
  size_t n = std::min(depth, labels.size());
  for (size_t i = 0, k = 0; k < n; ++k, i += wire_name[i] + 1)
    labels[k] = {reinterpret_cast<const char*>(&wire_name[i + 1]), wire_name[i]};
  if (depth > labels.size()) labels[0] = {};  // an empty label matches no record; 7+ labels no service
  const Snapshot& snap = view(req.worker);
  auto serial = static_cast<uint32_t>(registry_->version());
  std::span<const std::string_view> used(labels.data(), n);
  uint16_t rcode = answer(req, *zone, used, snap, serial, WallClock::now());
  co_return Result::written(name(), rcode);
}

}  // namespace skycore::plugins::skydns_registry
