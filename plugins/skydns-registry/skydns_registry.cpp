#include "plugins/skydns-registry/skydns_registry.h"

#include "plugins/skydns-registry/answer.h"

#include <cstdio>

namespace skycore::plugins::skydns_registry {

SkydnsRegistry::SkydnsRegistry(std::vector<wire::Name> zones, std::shared_ptr<Registry> registry,
                               size_t workers)
    : zones_(std::move(zones)), registry_(std::move(registry)), views_(std::max<size_t>(workers, 1)) {}

SkydnsRegistry::~SkydnsRegistry() { stop_purging(); }

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

void SkydnsRegistry::start_purging() {
  purger_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
      lock.unlock();
      try {
        registry_->purge_expired(WallClock::now());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "[ERROR] plugin/skydns-registry: purge: %s\n", e.what());
      }
      if (catalogue_ && catalogue_->changed()) {
        try {
          registry_->set_catalogue(read_catalogue(catalogue_->path(), WallClock::now()));
        } catch (const std::exception& e) {  // keep serving the previous catalogue
          std::fprintf(stdout, "[ERROR] plugin/skydns-registry: %s\n", e.what());
          std::fflush(stdout);
        }
      }
      lock.lock();
    }
  });
}

void SkydnsRegistry::stop_purging() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (purger_.joinable()) purger_.join();
}

}  // namespace skycore::plugins::skydns_registry
