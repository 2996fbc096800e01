// loadbalance: randomizes the order of A, AAAA and MX records in answers
// (CoreDNS's `loadbalance round_robin`), after the rest of the chain wrote
// them. Per-worker generator, in-place shuffle: no lock, no allocation.
#pragma once
#include <vector>

#include "core/plugin/plugin.h"
#include "plugins/loadbalance/shuffle.h"

namespace skycore::plugins::loadbalance {

class Loadbalance final : public Plugin {
 public:
  explicit Loadbalance(size_t workers);
  std::string_view name() const override { return "loadbalance"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  struct alignas(64) WorkerRng {
    Rng rng;
  };
  std::vector<WorkerRng> rngs_;
};

}  // namespace skycore::plugins::loadbalance
