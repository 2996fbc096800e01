// The running DNS server: the plan (chains, zone tables) plus one worker per
// CPU this process may use.
#pragma once
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
  void start();
  void stop();
  const ServerPlan& plan() const { return plan_; }

 private:
  ServerPlan plan_;
  TcpLimits limits_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool running_ = false;
};

size_t usable_cpus();

}  // namespace skycore::server
