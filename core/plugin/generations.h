// What every configuration (generation) of the process shares, and how a
// reload switches from one generation to the next.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/plugin/metrics.h"

namespace skycore {

// What the server blocks share, for the life of the process: the metrics
// hub, who reports readiness, and process-level listeners (one metrics /
// health / ready server per address even when several blocks ask for it,
// kept across reloads so they never stop answering).
//
// A reload builds the next configuration as a new *generation*: readiness
// and metrics collectors registered during its setup stay invisible until
// commit_generation() switches to them in one step (abandon_generation()
// throws them away when the new Corefile fails). Objects a plugin must keep
// across reloads (an HTTP API on a fixed port, a journal) live in `kept`:
// claim them with keep(); those the new generation did not claim go at commit.
struct SharedServices {
  MetricsHub metrics;
  std::mutex mu;  // guards everything below; setup, reload and scrape time only
  struct Readiness {
    std::string plugin;
    std::function<bool()> ready;
    uint64_t generation;
  };
  std::vector<Readiness> readiness;
  // Run on SIGTERM before the DNS listeners close (health's lameduck).
  std::vector<std::function<void()>> before_shutdown;
  // Set on SIGTERM before those run: /ready answers 503 from then on, as in
  // CoreDNS, so load balancers stop sending while the lameduck lasts.
  std::atomic<bool> shutting_down{false};

  // True the first time `key` is claimed in this process (something a
  // plugin sets up once for every configuration, as metrics' build_info).
  bool claim_once(const std::string& key);

  // Reports `plugin`'s readiness for the generation being set up.
  void add_readiness(std::string plugin, std::function<bool()> ready);
  // Plugins of the generation `g` (active(), or building() during a
  // reload) that are not ready, sorted, without repeats.
  std::vector<std::string> not_ready(uint64_t g);

  // Returns the object kept under `key`, creating it with make() if there
  // is none; either way it now belongs to the generation being built.
  template <typename T, typename Make>
  std::shared_ptr<T> keep(const std::string& key, Make&& make) {
    std::lock_guard lock(mu);
    auto& k = kept_[key];
    if (!k.object) {
      try {
        k.object = make();
      } catch (...) {
        kept_.erase(key);
        throw;
      }
      k.created = building_;
    }
    k.claimed = building_;
    return std::static_pointer_cast<T>(k.object);
  }

  // The object kept under `key`, or null; does not claim it.
  template <typename T>
  std::shared_ptr<T> find_kept(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = kept_.find(key);
    return it == kept_.end() ? nullptr : std::static_pointer_cast<T>(it->second.object);
  }

  uint64_t active() {
    std::lock_guard lock(mu);
    return active_;
  }
  uint64_t building() {
    std::lock_guard lock(mu);
    return building_;
  }
  void begin_generation();
  void commit_generation();
  void abandon_generation();

 private:
  struct Kept {
    std::shared_ptr<void> object;
    uint64_t created = 0, claimed = 0;
  };
  std::map<std::string, Kept> kept_;
  std::set<std::string> once_;
  uint64_t active_ = 0, building_ = 0;
};

}  // namespace skycore
