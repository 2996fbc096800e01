// The interface every plugin implements, and Next, the handle to the rest of
// the chain. A plugin either writes req.response and returns
// Result::written, or calls `co_await next(req)` and may post-process.
#pragma once
#include <asio/awaitable.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "core/plugin/request.h"
#include "core/plugin/result.h"

namespace skycore {

class Chain;

class Next {
 public:
  Next(const Chain* chain, size_t index) : chain_(chain), index_(index) {}
  // Runs the rest of the chain. Past the end: SERVFAIL, "no next plugin found".
  asio::awaitable<Result> operator()(Request& req) const;

 private:
  const Chain* chain_;
  size_t index_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
  virtual asio::awaitable<Result> serve(Request& req, Next next) = 0;
};

// An ordered, immutable list of plugins for one server block.
class Chain {
 public:
  explicit Chain(std::vector<std::unique_ptr<Plugin>> plugins) : plugins_(std::move(plugins)) {}
  asio::awaitable<Result> serve(Request& req) const { return Next(this, 0)(req); }
  size_t size() const { return plugins_.size(); }
  const Plugin& at(size_t i) const { return *plugins_[i]; }
  Plugin& at(size_t i) { return *plugins_[i]; }  // setup only (SetupContext::on_chain)

 private:
  friend class Next;
  std::vector<std::unique_ptr<Plugin>> plugins_;
};

}  // namespace skycore
