// rewrite: changes the question before the rest of the chain sees it, and
// the answer on its way back, so the client never sees the rewritten name
// (CoreDNS's rewrite). Rules run in Corefile order; a rule that fires ends
// the list unless it says `continue`. Answer-side rules run in reverse.
//
// Per query nothing is allocated once each worker's pool of in-flight
// states has grown to the concurrency it sees: the state lives outside the
// coroutine frame because forward suspends while it is in use.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/plugin/query_lease.h"
#include "core/wire/name.h"
#include "plugins/rewrite/edns0.h"
#include "plugins/rewrite/rule.h"

namespace skycore::plugins::rewrite {

// A rule that fired for one query, with what its answer side needs.
struct Fired {
  const Rule* rule = nullptr;
  wire::Name before, after;  // the question before and after a name rule
};

// Everything one query in flight keeps while the chain runs.
struct InFlight {
  std::vector<Fired> fired;  // reserved to the rule count
  wire::Name qname, qname_lower;
  uint16_t qtype = 0, qclass = 0;
  OptionList options;
};

class Rewrite final : public Plugin {
 public:
  Rewrite(std::vector<Rule> rules, size_t workers);
  std::string_view name() const override { return "rewrite"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  const std::vector<Rule>& rules() const { return rules_; }

 private:
  enum class Applied { ignored, done, invalid };
  struct Worker {
    LeasePool<InFlight> free;
    std::string text, out;        // a name as text, and what a rule makes of it
    std::vector<uint8_t> scratch;  // the answer being rebuilt
  };

  Applied apply(const Rule& rule, Request& req, InFlight& st, Worker& w) const;
  // Writes the answer back: original question, answer-side rules.
  asio::awaitable<void> rewrite_answer(Request& req, InFlight& st, Result& res) const;

  std::vector<Rule> rules_;
  std::vector<uint16_t> option_codes_;  // the EDNS option codes any rule names
  mutable PerWorker<Worker> workers_;
};

}  // namespace skycore::plugins::rewrite
