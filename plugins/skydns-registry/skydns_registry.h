// skydns-registry: services register over HTTP (the SkyDNS 1 API) with a
// TTL and are found over DNS as
//   <uuid>.<host>.<region>.<version>.<service>.<environment>.<zone>
// The registry (control plane) publishes snapshots; workers answer from their
// own cached snapshot pointer and compare one version number per query.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/plugin/plugin.h"
#include "core/wire/name.h"
#include "plugins/skydns-registry/catalogue.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class SkydnsRegistry final : public Plugin {
 public:
  SkydnsRegistry(std::vector<wire::Name> zones, std::shared_ptr<Registry> registry, size_t workers);
  ~SkydnsRegistry() override;
  std::string_view name() const override { return "skydns-registry"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // Re-reads the catalogue when its file changes (checked with the purge);
  // a broken edit is logged with FILE:LINE and the previous one kept.
  void watch_catalogue(std::string path) { catalogue_ = std::make_unique<CatalogueWatch>(std::move(path)); }

  // Expired services are purged (and their callbacks fired) once a second.
  void start_purging();
  void stop_purging();

 private:
  struct alignas(64) WorkerView {  // one cache line per worker: no false sharing
    uint64_t version = ~0ull;
    std::shared_ptr<const Snapshot> snapshot;
  };
  const Snapshot& view(uint16_t worker);

  std::vector<wire::Name> zones_;
  std::shared_ptr<Registry> registry_;
  std::vector<WorkerView> views_;
  std::unique_ptr<CatalogueWatch> catalogue_;
  std::thread purger_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace skycore::plugins::skydns_registry
