#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <thread>

#include "core/corefile/bounded_args.h"
#include "core/plugin/plugin_log.h"
#include "core/corefile/duration.h"
#include "core/plugin/http_probe.h"
#include "core/plugin/setup.h"

namespace skycore::plugins::health {
namespace {

struct Health {
  std::atomic<bool> lameduck{false};
  std::atomic<int64_t> lameduck_ms{0};  // the latest configuration's (the longest of its blocks')
  uint64_t lameduck_generation = ~0ull;  // which configuration set it; under SharedServices::mu
  std::unique_ptr<ProbeServer> server;
};

std::chrono::milliseconds parse_duration(corefile::TokenCursor& c, const std::string& s) {
  return corefile::bounded_duration(c, "health: lameduck", s);
}

}  // namespace

// Syntax: health [ADDR] { lameduck DURATION }   (default ADDR :8080)
// GET /health answers 200 OK while the process serves; on SIGTERM with
// lameduck it answers 503 and DNS keeps serving for DURATION, so load
// balancers drain before the sockets close. Not part of the query path.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string addr = ":8080";
  std::chrono::milliseconds lameduck{0};
  while (c.next()) {
    if (c.next_arg()) {
      addr = c.val();
      if (!valid_listen_address(addr)) throw c.err(fmt::format("health: '{}' is not HOST:PORT", addr));
    }
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() != "lameduck") throw c.unknown_property();
      if (!c.next_arg()) throw c.arg_err();
      lameduck = parse_duration(c, c.val());
      if (c.next_arg()) throw c.arg_err();
    }
  }
  if (ctx.validate_only || !ctx.shared) return nullptr;
  SharedServices* shared = ctx.shared;
  // One endpoint per address, kept across reloads while a configuration
  // names it (SharedServices::keep); the lameduck is the latest one asked for.
  ctx.on_startup.push_back([shared, addr, lameduck] {
    bool made = false;
    auto h = shared->keep<Health>("health@" + addr, [&] {
      made = true;
      auto h = std::make_shared<Health>();
      Health* raw = h.get();
      // As CoreDNS: /health answers 200 OK during the lameduck too; the
      // lameduck only delays the shutdown while clients move away.
      h->server = std::make_unique<ProbeServer>(addr, "/health", [raw]() -> std::pair<int, std::string> {
        return {200, "OK"};
      });
      return h;
    });
    const uint64_t generation = shared->building();
    std::lock_guard lock(shared->mu);
    if (h->lameduck_generation != generation || lameduck.count() > h->lameduck_ms.load()) {
      h->lameduck_ms = lameduck.count();
      h->lameduck_generation = generation;
    }
    if (!made) return;
    shared->before_shutdown.push_back([weak = std::weak_ptr<Health>(h)] {
      auto h = weak.lock();  // gone if a reload dropped this endpoint
      if (!h || h->lameduck_ms.load() <= 0) return;
      h->lameduck = true;
      plugin_log("health", LogLevel::info, "Going into lameduck mode for {}",
                 corefile::format_duration(std::chrono::milliseconds(h->lameduck_ms.load())));
      std::this_thread::sleep_for(std::chrono::milliseconds(h->lameduck_ms.load()));
    });
  });
  return nullptr;
}

}  // namespace skycore::plugins::health
