#include "plugins/loadbalance/loadbalance.h"

#include <sys/random.h>

namespace skycore::plugins::loadbalance {

Loadbalance::Loadbalance(size_t workers) : rngs_(std::max<size_t>(workers, 1)) {
  for (auto& r : rngs_) {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed || seed == 0) seed = 0x9e3779b97f4a7c15ull;
    r.rng.state = seed;
  }
}

asio::awaitable<Result> Loadbalance::serve(Request& req, Next next) {
  Result r = co_await next(req);
  if (r.answered && req.response.size() > 0) {
    Rng& rng = rngs_[req.worker < rngs_.size() ? req.worker : 0].rng;
    shuffle_answers(req.response.mutable_data(), rng);
  }
  co_return r;
}

}  // namespace skycore::plugins::loadbalance
