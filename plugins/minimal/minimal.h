// minimal: a successful answer (NOERROR with records in the answer section)
// leaves with only its answer section, as CoreDNS's minimal; negative
// answers, delegations and errors are untouched. The OPT record stays.
#pragma once
#include <vector>

#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"

namespace skycore::plugins::minimal {

class Minimal final : public Plugin {
 public:
  explicit Minimal(size_t workers) : scratch_(workers) {}
  std::string_view name() const override { return "minimal"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  PerWorker<std::vector<uint8_t>> scratch_;  // the answer being cut down
};

}  // namespace skycore::plugins::minimal
