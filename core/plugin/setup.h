// What a plugin's setup function receives, and the compiled-in plugin table.
// Setup runs once per server block at start-up (and on reload); it reads its
// directive through the cursor and returns an immutable Plugin, or nullptr
// for directives that only configure the server (bind, health, reload...).
// Errors are thrown as corefile::Error (setup time, never the data path).
#pragma once
#include <asio/any_io_executor.hpp>
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

// What the blocks of one configuration share: the metrics hub, who reports
// readiness, and process-level listeners (one metrics/health/ready server
// per address even when several blocks ask for it).
struct SharedServices {
  MetricsHub metrics;
  std::mutex mu;  // guards the two below; setup and scrape time only
  std::vector<std::pair<std::string, std::function<bool()>>> readiness;  // (plugin, ready?)
  std::map<std::string, std::shared_ptr<void>> listeners;                // "metrics@addr" -> server
  // Run on SIGTERM before the DNS listeners close (health's lameduck).
  std::vector<std::function<void()>> before_shutdown;
};

// Server-level settings a setup function may change for its block.
struct BlockSettings {
  std::vector<std::string> bind_addresses;  // empty = all interfaces
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
