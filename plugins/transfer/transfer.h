// transfer: zone transfers (AXFR, and IXFR answered as AXFR or "up to
// date") of the zones that plugins of the block answer from data
// (kubernetes, k8s_external), to the clients `to` lists, as CoreDNS's
// transfer. Over TCP only: the records go out in as many messages as they
// need through the connection's MessageStream, which waits while a slow
// client reads.
#pragma once
#include <asio/ip/address.hpp>

#include <vector>

#include "core/plugin/plugin.h"
#include "core/plugin/zone_transfer.h"

namespace skycore::plugins::transfer {

struct Rule {
  std::vector<wire::Name> zones;
  std::vector<asio::ip::address> to;
  bool anyone = false;  // `to *`
};

class Transfer final : public Plugin {
 public:
  explicit Transfer(std::vector<Rule> rules) : rules_(std::move(rules)) {}
  std::string_view name() const override { return "transfer"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  void add_source(const ZoneTransferSource* s) { sources_.push_back(s); }

 private:
  const Rule* rule_for(const wire::Name& qname) const;
  std::vector<Rule> rules_;
  std::vector<const ZoneTransferSource*> sources_;  // in chain order
};

}  // namespace skycore::plugins::transfer
