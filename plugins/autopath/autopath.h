// autopath: server-side search path completion, as CoreDNS's autopath. A
// pod with ndots:5 asks for "example.com.default.svc.cluster.local." first;
// instead of letting it walk its whole search list (three NXDOMAINs, then
// the name itself), the server walks the list on its behalf and answers
// the first name that exists, with a CNAME from the name asked to the name
// answered so the client's resolver accepts it. When every name fails the
// client gets the answer to its own question and carries on by itself.
//
// The search list is the file's (`autopath my-resolv.conf`) or the client's
// own, from the plugin named (`autopath @kubernetes`: the pod's namespace,
// found from its address).
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/per_worker.h"
#include "core/plugin/plugin.h"
#include "core/plugin/query_lease.h"
#include "core/plugin/search_path.h"
#include "core/wire/name.h"

namespace skycore::plugins::autopath {

class AutoPath final : public Plugin {
 public:
  // `zones`: the names autopath looks at. `fixed`: the search list from a
  // file, used when no source is set.
  AutoPath(std::vector<wire::Name> zones, SearchPath fixed, size_t workers);
  ~AutoPath() override;
  std::string_view name() const override { return "autopath"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // The plugin whose search lists are used (set once the chain is built).
  void set_source(const SearchPathSource* s) { source_ = s; }
  bool has_source() const { return source_ != nullptr; }
  uint64_t successes() const { return successes_.sum([](const WorkerCounter& c) { return c.get(); }); }

 private:
  struct InFlight;  // one query's walk: its search list and the first reply
  struct Worker {
    LeasePool<InFlight> free;
  };
  asio::awaitable<Result> walk(Request& req, Next next, InFlight& st) const;

  std::vector<wire::Name> zones_;
  SearchPath fixed_;
  const SearchPathSource* source_ = nullptr;
  mutable PerWorker<Worker> workers_;
  mutable PerWorker<WorkerCounter> successes_;
};

}  // namespace skycore::plugins::autopath
