// loadbalance: reorders A, AAAA and MX records in answers after the rest of
// the chain wrote them, as CoreDNS's loadbalance: `round_robin` shuffles
// them, `weighted WEIGHTFILE` moves one address picked by weight to the
// front; `prefer CIDR...` then puts addresses in those subnets first, and
// `limit_answers N` keeps the first N answer records. Per-worker generator,
// in-place edits: no lock, no allocation. The weights file is re-read every
// `reload` on a thread of its own and swapped in whole.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/periodic_task.h"
#include "core/plugin/plugin.h"
#include "core/plugin/snapshot_source.h"
#include "plugins/loadbalance/shuffle.h"
#include "plugins/loadbalance/weights.h"

namespace skycore::plugins::loadbalance {

struct Config {
  std::string weights_file;  // empty: round_robin
  std::chrono::milliseconds reload{30'000};
  std::vector<Subnet> prefer;
  size_t limit_answers = 0;  // 0: all
};

class Loadbalance final : public Plugin {
 public:
  Loadbalance(Config cfg, size_t workers, std::shared_ptr<const Weights> weights = nullptr);
  ~Loadbalance() override;
  std::string_view name() const override { return "loadbalance"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // Watches the weights file (weighted only).
  void start();
  void stop();
  // Reads the weights file again; keeps the old table when it does not parse.
  void reload_weights();
  // The file's text as setup read it (a reload of the same text is no change).
  void set_loaded_text(std::string text) { last_text_ = std::move(text); }

 private:
  struct alignas(64) WorkerRng {
    Rng rng;
  };
  Config cfg_;
  std::vector<WorkerRng> rngs_;
  SnapshotSource<Weights> weights_;
  WorkerViews<Weights> views_;
  std::string last_text_;  // the file as last read (reload thread only)
  std::unique_ptr<PeriodicTask> watcher_;
};

}  // namespace skycore::plugins::loadbalance
