#include <fmt/format.h>

#include "core/plugin/setup.h"
#include "plugins/forward/forward.h"

namespace skycore::plugins::forward {

// Syntax: forward FROM TO... { except NAMES...; force_tcp; prefer_udp;
//   expire DUR; max_fails N; health_check DUR [no_rec] [domain NAME];
//   policy random|round_robin|sequential; max_concurrent N;
//   tls [CERT [KEY [CA]]]; tls_servername NAME; next RCODE... }
// One forward per server block, as in CoreDNS.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::unique_ptr<Forward> fwd;
  while (c.next()) {
    if (fwd) throw c.err("forward: only one forward per server block");
    int line = c.line();
    Config cfg = parse_config(c);
    try {
      fwd = std::make_unique<Forward>(std::move(cfg), ctx.workers);
    } catch (const std::runtime_error& e) {
      throw corefile::Error(c.file(), line, fmt::format("forward: {}", e.what()));
    }
  }
  if (ctx.shared) {
    Forward* f = fwd.get();
    ctx.shared->metrics.add([f](std::vector<prometheus::MetricFamily>& out) { f->collect(out); });
  }
  if (!ctx.validate_only && ctx.worker_hooks) {
    Forward* f = fwd.get();
    ctx.worker_hooks->start.push_back([f](uint16_t w, asio::any_io_executor ex) { f->worker_started(w, ex); });
    ctx.worker_hooks->stop.push_back([f](uint16_t w) { f->worker_stopping(w); });
    ctx.on_startup.push_back([f] { f->start_health_checks(); });
    ctx.on_shutdown.push_back([f] { f->stop_health_checks(); });
  }
  return fwd;
}

}  // namespace skycore::plugins::forward
