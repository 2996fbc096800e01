// Probes upstreams that were marked down with `<domain> IN NS` every
// health_check interval until one answers, on a control-plane thread of its
// own so workers never wait for it.
#pragma once
#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "plugins/forward/config.h"
#include "plugins/forward/upstream.h"

namespace skycore::plugins::forward {

class HealthChecker {
 public:
  HealthChecker(const Config& cfg, std::vector<std::unique_ptr<Upstream>>& upstreams,
                asio::ssl::context* tls);
  ~HealthChecker();
  void start();
  void stop();
  // Called from any worker when `u` has just been marked down.
  void probe_until_up(Upstream& u);

 private:
  asio::awaitable<void> probe_loop(Upstream& u);
  const Config& cfg_;
  std::vector<std::unique_ptr<Upstream>>& upstreams_;
  asio::ssl::context* tls_;
  asio::io_context io_{1};
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::atomic<bool> running_{false};
};

}  // namespace skycore::plugins::forward
