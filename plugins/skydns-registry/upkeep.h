// The registry's background work, once a second on a thread of its own:
// purge expired services (firing their callbacks) and re-read the static
// catalogue when its file changed (a broken edit is logged with FILE:LINE
// and the previous catalogue kept).
#pragma once
#include <memory>
#include <string>

#include "core/plugin/periodic_task.h"
#include "plugins/skydns-registry/catalogue.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class Upkeep {
 public:
  Upkeep(std::shared_ptr<Registry> registry, std::string catalogue_path);
  ~Upkeep() { stop(); }
  void start();
  void stop();

 private:
  void run_once();
  std::shared_ptr<Registry> registry_;
  std::unique_ptr<CatalogueWatch> catalogue_;
  PeriodicTask task_;  // last: it stops first, before what it uses
};

}  // namespace skycore::plugins::skydns_registry
