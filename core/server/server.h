// The running DNS server: the plan (chains, zone tables) plus one worker per
// CPU this process may use.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "core/server/server_plan.h"
#include "core/server/tcp_connection.h"
#include "core/server/worker.h"

namespace skycore::server {

class Server {
 public:
  explicit Server(ServerPlan plan, size_t workers = 0);  // 0 = CPUs in our affinity mask
  ~Server();
  // Binds every listener on every worker, runs startup hooks, starts serving.
  // Throws std::system_error naming the address when a bind fails.
  void start() {
    prepare();
    serve();
  }
  // A reload runs the two halves apart: prepare() binds (taking over the
  // sockets `previous` listens on) and runs the startup hooks; serve()
  // starts the workers once the new configuration is ready.
  void prepare(const Server* previous = nullptr);
  void serve();
  // SIGTERM: the before-shutdown hooks (lameduck) unless told not to, then stop.
  void stop(bool lameduck = true);
  // After a reload: stop reading, give queries in flight up to `grace`,
  // then stop (no lameduck: the new server goes on answering).
  void drain_and_stop(std::chrono::milliseconds grace);
  const ServerPlan& plan() const { return plan_; }

 private:
  // Declared before plan_, so destroyed after it: the plugins' per-worker
  // state (forward's sockets and timers) belongs to the workers' io_contexts
  // and must go while those still exist.
  TcpLimits limits_;
  std::vector<std::unique_ptr<Worker>> workers_;
  ServerPlan plan_;
  bool running_ = false;
  bool prepared_ = false;
  void shutdown();
};

size_t usable_cpus();

}  // namespace skycore::server
