#include "core/plugin/generations.h"

#include <algorithm>

namespace skycore {

bool SharedServices::claim_once(const std::string& key) {
  std::lock_guard lock(mu);
  return once_.insert(key).second;
}

void SharedServices::add_readiness(std::string plugin, std::function<bool()> ready) {
  std::lock_guard lock(mu);
  readiness.push_back({std::move(plugin), std::move(ready), building_});
}

std::vector<std::string> SharedServices::not_ready(uint64_t g) {
  std::vector<std::string> waiting;
  std::lock_guard lock(mu);
  for (const auto& r : readiness)
    if (r.generation == g && !r.ready() && std::find(waiting.begin(), waiting.end(), r.plugin) == waiting.end())
      waiting.push_back(r.plugin);
  std::sort(waiting.begin(), waiting.end());
  return waiting;
}

void SharedServices::begin_generation() {
  std::lock_guard lock(mu);
  building_ = active_ + 1;
  metrics.set_generations(active_, building_);
}

void SharedServices::commit_generation() {
  std::vector<std::shared_ptr<void>> released;  // destroyed outside the lock
  {
    std::lock_guard lock(mu);
    active_ = building_;
    metrics.set_generations(active_, building_);  // older collectors now only count
    std::erase_if(readiness, [this](const Readiness& r) { return r.generation != active_; });
    for (auto it = kept_.begin(); it != kept_.end();) {
      if (it->second.claimed == active_) {
        ++it;
        continue;
      }
      released.push_back(std::move(it->second.object));
      it = kept_.erase(it);
    }
  }
}

void SharedServices::abandon_generation() {
  std::vector<std::shared_ptr<void>> released;
  {
    std::lock_guard lock(mu);
    uint64_t failed = building_;
    std::erase_if(readiness, [failed](const Readiness& r) { return r.generation == failed; });
    metrics.drop_generation(failed);
    for (auto it = kept_.begin(); it != kept_.end();) {
      if (it->second.created == failed) {  // made for the failed configuration only
        released.push_back(std::move(it->second.object));
        it = kept_.erase(it);
        continue;
      }
      if (it->second.claimed == failed) it->second.claimed = active_;
      ++it;
    }
    building_ = active_;
    metrics.set_generations(active_, building_);
  }
}

}  // namespace skycore
