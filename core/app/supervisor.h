// The running configuration and its replacement. Start-up builds the first
// server; a reload (SIGUSR1, or the reload plugin seeing the Corefile
// change) builds the next one aside, takes over the listening sockets,
// waits until its plugins are ready, switches, and lets the old server's
// queries in flight finish. A Corefile with an error is rejected, logged
// with FILE:LINE and counted, and the old configuration keeps serving.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/app/flags.h"
#include "core/corefile/parser.h"
#include "core/plugin/setup.h"
#include "core/server/server.h"

namespace skycore::app {

// What the Corefile and its imports say, as a number: what reload compares.
// A Corefile that does not parse hashes its bytes and the error instead.
uint64_t corefile_hash(const Flags& flags);
corefile::Config load_config(const Flags& flags);

class Supervisor {
 public:
  explicit Supervisor(const Flags& flags);
  ~Supervisor();
  // Builds and starts the first configuration; throws corefile::Error or
  // std::exception (the caller prints it and exits 1).
  void start();
  // Swaps in the Corefile as it is now. False (logged) when it is rejected.
  bool reload();
  // `lameduck`: run the before-shutdown hooks (health's lameduck) first.
  void stop(bool lameduck = true);
  const server::ServerPlan& plan() const { return server_->plan(); }

 private:
  void watch_loop();  // the reload plugin's periodic check
  void restart_watch(const ProcessSettings& s);

  Flags flags_;
  size_t workers_;
  std::shared_ptr<SharedServices> shared_;
  std::unique_ptr<server::Server> server_;
  std::atomic<uint64_t> hash_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> version_hash_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool watching_ = false, stop_watch_ = false;
  ProcessSettings watch_;
  std::thread watcher_;
};

}  // namespace skycore::app
