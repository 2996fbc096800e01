// Per-worker lifecycle hooks a plugin's setup may register.
#pragma once
#include <asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <vector>

namespace skycore {

// Per-worker lifecycle: called on the worker's own thread when it starts
// (before serving) and when it stops (after its listeners closed). Plugins
// that own per-worker resources (upstream sockets) create and close them here.
using WorkerStartHook = std::function<void(uint16_t worker, asio::any_io_executor ex)>;
using WorkerStopHook = std::function<void(uint16_t worker)>;

struct WorkerHooks {
  std::vector<WorkerStartHook> start;
  std::vector<WorkerStopHook> stop;
};

}  // namespace skycore
