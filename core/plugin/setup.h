// What a plugin's setup function receives, and the compiled-in plugin table.
// Setup runs once per server block at start-up (and on reload); it reads its
// directive through the cursor and returns an immutable Plugin, or nullptr
// for directives that only configure the server (bind, health, reload...).
// Errors are thrown as corefile::Error (setup time, never the data path).
#pragma once
#include <asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/parser.h"
#include "core/corefile/token_cursor.h"
#include "core/plugin/metrics.h"
#include "core/plugin/plugin.h"

namespace skycore {

// Per-worker lifecycle: called on the worker's own thread when it starts
// (before serving) and when it stops (after its listeners closed). Plugins
// that own per-worker resources (upstream sockets) create and close them here.
using WorkerStartHook = std::function<void(uint16_t worker, asio::any_io_executor ex)>;
using WorkerStopHook = std::function<void(uint16_t worker)>;

struct WorkerHooks {
  std::vector<WorkerStartHook> start;
  std::vector<WorkerStopHook> stop;
};

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
  std::map<std::string, std::shared_ptr<void>> listeners;  // "metrics@addr" -> server
  // Run on SIGTERM before the DNS listeners close (health's lameduck).
  std::vector<std::function<void()>> before_shutdown;
  // Set on SIGTERM before those run: /ready answers 503 from then on, as in
  // CoreDNS, so load balancers stop sending while the lameduck lasts.
  std::atomic<bool> shutting_down{false};

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
  uint64_t active_ = 0, building_ = 0;
};

// Server-level settings a setup function may change for its block.
struct BlockSettings {
  std::vector<std::string> bind_addresses;  // empty = all interfaces
};

// Process-level settings a directive in any block may set.
struct ProcessSettings {
  // `reload [INTERVAL [JITTER]]`: check the Corefile for changes this often.
  bool reload = false;
  std::chrono::milliseconds reload_interval{30000};
  std::chrono::milliseconds reload_jitter{15000};
};

struct SetupContext {
  corefile::TokenCursor& cursor;          // all occurrences of this directive in the block
  const corefile::ServerBlock& block;     // keys carry the effective ports
  BlockSettings& settings;
  // Run after every block is set up and sockets are bound / at shutdown.
  std::vector<std::function<void()>>& on_startup;
  std::vector<std::function<void()>>& on_shutdown;
  bool validate_only = false;             // -validate: no sockets, no side effects
  size_t workers = 1;                     // Request::worker is below this
  WorkerHooks* worker_hooks = nullptr;    // null only in unit tests that need none
  // State shared by every block of this configuration; it never moves, so
  // hooks may keep pointers into it. Null in unit tests that need none.
  struct SharedServices* shared = nullptr;
  ProcessSettings* process = nullptr;     // null only in unit tests
  // More plugins for the chain, right after the one setup returns (several
  // `forward` lines in one block each become a plugin, in order).
  std::vector<std::unique_ptr<Plugin>>* more = nullptr;

  // Zones of the block, as lowercased FQDNs ("example.org.", ".").
  std::vector<std::string> zones() const;
};

// The `server` label of a listener: "dns://:53", "dns://127.0.0.1:1053",
// "dns://[::1]:53" ("" address = all interfaces).
std::string listener_label(const std::string& address, uint16_t port);

using SetupFn = std::unique_ptr<Plugin> (*)(SetupContext&);

struct PluginEntry {
  std::string_view name;  // directive name as written in a Corefile
  SetupFn setup;
};

// Every compiled-in directive in execution order (generated from plugins/plugin.cfg).
std::span<const PluginEntry> compiled_plugins();
const PluginEntry* find_plugin(std::string_view name);

}  // namespace skycore
