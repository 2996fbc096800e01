// What a plugin's setup function receives, and the compiled-in plugin table.
// Setup runs once per server block at start-up (and on reload); it reads its
// directive through the cursor and returns an immutable Plugin, or nullptr
// for directives that only configure the server (bind, health, reload...).
// Errors are thrown as corefile::Error (setup time, never the data path).
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/corefile/parser.h"
#include "core/corefile/token_cursor.h"
#include "core/plugin/generations.h"
#include "core/plugin/plugin.h"
#include "core/plugin/worker_hooks.h"

namespace asio::ssl {
class context;
}

namespace skycore {

// Server-level settings a setup function may change for its block.
struct BlockSettings {
  std::vector<std::string> bind_addresses;  // empty = all interfaces
  // `tls CERT KEY [CA]`: the server context for the block's tls:// and
  // https:// keys (unused by dns:// keys, as in CoreDNS).
  std::shared_ptr<asio::ssl::context> tls;
  // `timeouts { read; write; idle }` for the block's TCP connections; zero
  // = the server's default (the idle timeout, 10 s, for all three).
  std::chrono::milliseconds tcp_read{0}, tcp_write{0}, tcp_idle{0};
};

// Process-level settings a directive in any block may set.
struct ProcessSettings {
  // `reload [INTERVAL [JITTER]]`: check the Corefile for changes this often.
  bool reload = false;
  std::chrono::milliseconds reload_interval{30000};
  std::chrono::milliseconds reload_jitter{15000};
};

// The build, for skycore_build_info (filled in by core/app).
struct BuildInfo {
  std::string version = "unknown";
  std::string revision = "unknown";
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
  const BuildInfo* build = nullptr;       // null in unit tests
  // Run once the block's whole chain is built, before anything starts: for
  // a plugin that uses another plugin of its block (autopath @kubernetes),
  // which may still prepare it. May throw corefile::Error. Null in unit
  // tests that need none.
  std::vector<std::function<void(Chain&)>>* on_chain = nullptr;

  // Zones of the block, as lowercased FQDNs ("example.org.", ".").
  std::vector<std::string> zones() const;
  // The `server` label of the block's first key and first bind address
  // (metrics label their series with it); "" for a block without keys.
  std::string server_label() const;
};

// The `server` label of a listener: "dns://:53", "dns://127.0.0.1:1053",
// "dns://[::1]:53" ("" address = all interfaces).
std::string listener_label(const std::string& address, uint16_t port, const std::string& transport = "dns");

using SetupFn = std::unique_ptr<Plugin> (*)(SetupContext&);

struct PluginEntry {
  std::string_view name;  // directive name as written in a Corefile
  SetupFn setup;
};

// Every compiled-in directive in execution order (generated from plugins/plugin.cfg).
// Both defined in the table the build generates (plugins/CMakeLists.txt).
std::span<const PluginEntry> compiled_plugins();
const PluginEntry* find_plugin(std::string_view name);

}  // namespace skycore
