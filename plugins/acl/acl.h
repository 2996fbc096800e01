// acl: allows, blocks (REFUSED), filters (NOERROR, no answer) or drops (no
// reply) queries by their source address and type, as CoreDNS's acl.
// Each `acl` directive is a policy for its zones; its rules are tried in
// order and the first that matches decides; `allow` ends the checking, and
// a query no rule matches goes on to the next directive, then the chain.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/plugin/subnet.h"
#include "core/plugin/metrics.h"
#include "core/wire/name.h"

namespace skycore::plugins::acl {

enum class Action : uint8_t { allow, block, filter, drop };

struct Rule {
  Action action = Action::allow;
  std::vector<uint16_t> types;  // empty: every type
  std::vector<Subnet> nets;     // empty: every source
};

struct Policy {
  std::vector<wire::Name> zones;
  std::vector<Rule> rules;
};

class Acl final : public Plugin {
 public:
  Acl(std::vector<Policy> policies, size_t workers);
  std::string_view name() const override { return "acl"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  void collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const;

 private:
  struct Counters {
    WorkerCounter blocked, filtered, dropped;
  };
  std::vector<Policy> policies_;
  // Per zone of each policy (in order), then one for the allowed.
  std::vector<std::unique_ptr<PerWorker<Counters>>> zone_counters_;
  std::vector<size_t> first_zone_;  // policy -> its first index in zone_counters_
  PerWorker<WorkerCounter> allowed_;
};

// The first rule of `p` that matches, or nullptr.
const Rule* match(const Policy& p, uint16_t qtype, const IpBytes& source);

}  // namespace skycore::plugins::acl
