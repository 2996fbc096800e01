#include "plugins/skydns-registry/upkeep.h"
#include "core/plugin/plugin_log.h"


namespace skycore::plugins::skydns_registry {

Upkeep::Upkeep(std::shared_ptr<Registry> registry, std::string catalogue_path)
    : registry_(std::move(registry)), task_("skydns-registry", std::chrono::seconds(1), [this] { run_once(); }) {
  if (!catalogue_path.empty()) catalogue_ = std::make_unique<CatalogueWatch>(std::move(catalogue_path));
}

void Upkeep::start() { task_.start(); }

void Upkeep::stop() { task_.stop(); }

void Upkeep::run_once() {
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
}

}  // namespace skycore::plugins::skydns_registry
