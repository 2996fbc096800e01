// Turns a parsed Corefile into what the server runs: one chain per server
// block (plugins in plugin.cfg order) and one zone table per listen address.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "core/server/zone_table.h"

namespace skycore::server {

struct BlockRuntime {
  std::vector<corefile::ZoneKey> keys;  // ports filled in
  BlockSettings settings;
  std::unique_ptr<Chain> chain;
  std::vector<std::string> directives;  // in chain order, for -plugins / logs
};

struct ListenerSpec {
  std::string address;  // "" = all interfaces
  uint16_t port = 0;
  std::string transport = "dns";  // dns (UDP + TCP), tls (DoT, TCP), https (DoH, TCP)
  std::shared_ptr<asio::ssl::context> tls;  // for tls and https: the blocks' `tls`
  std::string label;    // "dns://:1053", "tls://127.0.0.1:853" (metrics, logs)
  ZoneTable zones;
  std::vector<std::string> zone_keys;  // "example.org.:1053" lines for the banner
  // TCP timeouts from the blocks' `timeouts` (zero: the server's default).
  // Blocks sharing a listener get the longest each of them asked for.
  std::chrono::milliseconds tcp_read{0}, tcp_write{0}, tcp_idle{0};
};

struct ServerPlan {
  std::vector<std::unique_ptr<BlockRuntime>> blocks;
  std::vector<ListenerSpec> listeners;
  std::vector<std::function<void()>> on_startup;
  std::vector<std::function<void()>> on_shutdown;
  WorkerHooks worker_hooks;
  ProcessSettings process;
  // The process's shared services (kept across reloads): from PlanOptions,
  // or made here when none was given (tests, -validate).
  std::shared_ptr<SharedServices> shared;
};

struct PlanOptions {
  uint16_t default_port = 53;  // for keys that name no port (-dns.port)
  bool validate_only = false;  // -validate: setup without side effects
  size_t workers = 1;          // worker threads the server will run
  std::shared_ptr<SharedServices> shared;  // null: a fresh one
  BuildInfo build;             // for skycore_build_info
};

// Runs every plugin's setup. Throws corefile::Error with file:line for any
// configuration problem (unknown directive, bad argument, duplicate zone).
ServerPlan build_plan(const corefile::Config& config, const PlanOptions& options);

}  // namespace skycore::server
