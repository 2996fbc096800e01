#include "plugins/skydns-registry/upkeep.h"
#include "core/plugin/plugin_log.h"

#include <cstdio>

namespace skycore::plugins::skydns_registry {

Upkeep::Upkeep(std::shared_ptr<Registry> registry, std::string catalogue_path) : registry_(std::move(registry)) {
  if (!catalogue_path.empty()) catalogue_ = std::make_unique<CatalogueWatch>(std::move(catalogue_path));
}

void Upkeep::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
      lock.unlock();
      try {
        registry_->purge_expired(WallClock::now());
      } catch (const std::exception& e) {
        plugin_log("skydns-registry", LogLevel::error, "purge: {}", e.what());
      }
      if (catalogue_ && catalogue_->changed()) {
        try {
          registry_->set_catalogue(read_catalogue(catalogue_->path(), WallClock::now()));
        } catch (const std::exception& e) {  // keep serving the previous catalogue
          plugin_log("skydns-registry", LogLevel::error, "{}", e.what());
        }
      }
      lock.lock();
    }
  });
}

void Upkeep::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace skycore::plugins::skydns_registry
