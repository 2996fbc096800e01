// The registry's background work, once a second on a thread of its own:
// purge expired services (firing their callbacks) and re-read the static
// catalogue when its file changed (a broken edit is logged with FILE:LINE
// and the previous catalogue kept).
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

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
  std::shared_ptr<Registry> registry_;
  std::unique_ptr<CatalogueWatch> catalogue_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace skycore::plugins::skydns_registry
