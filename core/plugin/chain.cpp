#include "core/plugin/plugin.h"

namespace skycore {
namespace {

asio::awaitable<Result> no_next_plugin(std::string_view after) {
  co_return Result::unanswered(after, wire::rcode::SERVFAIL, "no next plugin found");
}

}  // namespace

// Not a coroutine itself: it returns the next plugin's awaitable directly, so
// passing through a plugin costs one coroutine frame, not two.
asio::awaitable<Result> Next::operator()(Request& req) const {
  if (index_ >= chain_->plugins_.size()) {
    std::string_view last = index_ > 0 ? chain_->plugins_[index_ - 1]->name() : "";
    return no_next_plugin(last);
  }
  return chain_->plugins_[index_]->serve(req, Next(chain_, index_ + 1));
}

}  // namespace skycore
