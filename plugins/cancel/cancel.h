// cancel: a deadline for every query, as CoreDNS's cancel (which cancels the
// request's context after TIMEOUT, 5001 ms by default). Here the deadline
// is a field of the Request: plugins that wait (forward, and lookups through
// the server's own chain) stop waiting then, and the query ends as forward
// ends one whose upstreams did not answer in time (SERVFAIL). No timer runs
// per query.
#pragma once
#include <chrono>

#include "core/plugin/plugin.h"

namespace skycore::plugins::cancel {

class Cancel final : public Plugin {
 public:
  explicit Cancel(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  std::string_view name() const override { return "cancel"; }
  asio::awaitable<Result> serve(Request& req, Next next) override {
    req.deadline = std::min(req.deadline, req.received + timeout_);
    return next(req);
  }

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace skycore::plugins::cancel
