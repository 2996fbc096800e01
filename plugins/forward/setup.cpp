#include <fmt/format.h>

#include "core/plugin/setup.h"
#include "plugins/forward/forward.h"

namespace skycore::plugins::forward {

// Syntax: forward FROM TO... { except NAMES...; force_tcp; prefer_udp;
//   expire DUR; max_fails N; health_check DUR [no_rec] [domain NAME];
//   policy random|round_robin|sequential; max_concurrent N;
//   tls [CERT [KEY [CA]]]; tls_servername NAME; next RCODE... }
// Several forward lines in one block are evaluated in their order, as in
// CoreDNS: a name outside one's FROM (or in its except) goes to the next,
// and `next RCODE` hands an answer on to the next forward only.
namespace {
void wire_up(SetupContext& ctx, Forward* f) {
  if (ctx.shared) ctx.shared->metrics.add([f](std::vector<prometheus::MetricFamily>& out) { f->collect(out); });
  if (!ctx.validate_only && ctx.worker_hooks) {
    ctx.worker_hooks->start.push_back([f](uint16_t w, asio::any_io_executor ex) { f->worker_started(w, ex); });
    ctx.worker_hooks->stop.push_back([f](uint16_t w) { f->worker_stopping(w); });
    ctx.on_startup.push_back([f] { f->start_health_checks(); });
    ctx.on_shutdown.push_back([f] { f->stop_health_checks(); });
  }
}
}  // namespace

std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<std::pair<Config, int>> configs;
  while (c.next()) {
    int line = c.line();
    configs.emplace_back(parse_config(c), line);
  }
  if (configs.size() > 1 && !ctx.more)
    throw corefile::Error(c.file(), configs[1].second, "forward: only one forward per server block here");
  std::vector<std::unique_ptr<Forward>> made;
  for (size_t i = 0; i < configs.size(); ++i) {
    configs[i].first.forward_follows = i + 1 < configs.size();
    try {
      made.push_back(std::make_unique<Forward>(std::move(configs[i].first), ctx.workers));
    } catch (const std::runtime_error& e) {
      throw corefile::Error(c.file(), configs[i].second, fmt::format("forward: {}", e.what()));
    }
    wire_up(ctx, made.back().get());
  }
  for (size_t i = 1; i < made.size(); ++i) ctx.more->push_back(std::move(made[i]));
  return made.empty() ? nullptr : std::move(made.front());
}

}  // namespace skycore::plugins::forward
