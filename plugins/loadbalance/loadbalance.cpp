#include "plugins/loadbalance/loadbalance.h"

#include <sys/random.h>

#include <fstream>
#include <sstream>

#include "core/plugin/plugin_log.h"

namespace skycore::plugins::loadbalance {

Loadbalance::Loadbalance(Config cfg, size_t workers, std::shared_ptr<const Weights> weights)
    : cfg_(std::move(cfg)),
      rngs_(std::max<size_t>(workers, 1)),
      weights_(weights ? std::move(weights) : std::make_shared<const Weights>()),
      views_(workers) {
  for (auto& r : rngs_) {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed || seed == 0) seed = 0x9e3779b97f4a7c15ull;
    r.rng.state = seed;
  }
}

Loadbalance::~Loadbalance() { stop(); }

void Loadbalance::start() {
  if (cfg_.weights_file.empty() || cfg_.reload.count() == 0 || watcher_) return;
  watcher_ = std::make_unique<PeriodicTask>("loadbalance", cfg_.reload, [this] { reload_weights(); });
  watcher_->start();
}

void Loadbalance::stop() {
  if (watcher_) watcher_->stop();
}

void Loadbalance::reload_weights() {
  std::ifstream in(cfg_.weights_file);
  if (!in) {
    plugin_log("loadbalance", LogLevel::warning, "cannot read weights file {}: keeping the weights", cfg_.weights_file);
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text == last_text_) return;
  std::string why;
  auto w = parse_weights(text, why);
  if (!w) {
    plugin_log("loadbalance", LogLevel::error, "weights file {}: {}: keeping the weights", cfg_.weights_file, why);
    return;
  }
  last_text_ = std::move(text);
  weights_.publish(std::make_shared<const Weights>(std::move(*w)));
  plugin_log("loadbalance", LogLevel::info, "reloaded weights file {}", cfg_.weights_file);
}

asio::awaitable<Result> Loadbalance::serve(Request& req, Next next) {
  Result r = co_await next(req);
  if (r.answered && req.response.size() > 0) {
    Rng& rng = rngs_[req.worker < rngs_.size() ? req.worker : 0].rng;
    Policy policy;
    if (!cfg_.weights_file.empty()) policy.weights = &views_.get(req.worker, weights_);
    policy.prefer = cfg_.prefer;
    shuffle_answers(req.response.mutable_data(), rng, policy);
    if (cfg_.limit_answers) {
      size_t len = limit_answers(req.response.mutable_data(), cfg_.limit_answers);
      if (len < req.response.size()) {
        // The message shrank in place: let the writer take its new length.
        req.response.adopt(len);
      }
    }
  }
  co_return r;
}

}  // namespace skycore::plugins::loadbalance
