// local: answers the special-use names of RFC 6761 here so they never leave
// the server, as CoreDNS's local: localhost. (127.0.0.1, ::1), names under
// .localhost. and, by default, legacy `localhost.<domain>` names; the zones
// 0.in-addr.arpa, 127.in-addr.arpa and 255.in-addr.arpa, where only
// 1.0.0.127.in-addr.arpa has a PTR (localhost.). Everything else in those
// zones is NXDOMAIN with the zone's SOA.
#pragma once
#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/wire/name.h"

namespace skycore::plugins::local {

class Local final : public Plugin {
 public:
  Local(bool localhost_prefix, size_t workers);
  std::string_view name() const override { return "local"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  // skycore_local_localhost_requests_total.
  uint64_t localhost_requests() const { return count_.sum([](const WorkerCounter& c) { return c.get(); }); }

 private:
  const bool prefix_;
  mutable PerWorker<WorkerCounter> count_;
};

}  // namespace skycore::plugins::local
