#include <fmt/format.h>

#include <algorithm>

#include "core/plugin/http_probe.h"
#include "core/plugin/setup.h"

namespace skycore::plugins::ready {

// Syntax: ready [ADDR]   (default :8181)
// GET /ready answers 200 OK once every plugin that reports readiness is
// ready, else 503 with the names of those that are not, comma-separated.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string addr = ":8181";
  while (c.next()) {
    if (c.next_arg()) {
      addr = c.val();
      if (!valid_listen_address(addr)) throw c.err(fmt::format("ready: '{}' is not HOST:PORT", addr));
    }
    if (c.next_arg()) throw c.arg_err();
    if (c.next_block()) throw c.unknown_property();
  }
  if (ctx.validate_only || !ctx.shared) return nullptr;
  SharedServices* shared = ctx.shared;
  ctx.on_startup.push_back([shared, addr] {
    // One endpoint per address, kept across reloads while a configuration
    // names it; it reports the active configuration's plugins.
    shared->keep<ProbeServer>("ready@" + addr, [&] {
      return std::make_shared<ProbeServer>(addr, "/ready", [shared]() -> std::pair<int, std::string> {
        if (shared->shutting_down) return {503, "shutting down"};
        std::vector<std::string> waiting = shared->not_ready(shared->active());
        if (waiting.empty()) return {200, "OK"};
        std::string body;
        for (const auto& n : waiting) body += (body.empty() ? "" : ",") + n;
        return {503, body};
      });
    });
  });
  return nullptr;
}

}  // namespace skycore::plugins::ready
