// errors: logs the errors that plugins after it return, in CoreDNS's form
//   [ERROR] plugin/errors: 2 example.org. A: no next plugin found
// The answer itself is left untouched.
#pragma once
#include "core/plugin/plugin.h"

namespace skycore::plugins::errors {

class Errors final : public Plugin, private ResponseObserver {
 public:
  std::string_view name() const override { return "errors"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  void finished(const Request& req, const Result& r, const Finished& f) override;
};

// The log line for a failed query (exposed for unit tests).
std::string format_error(const Request& req, const Result& r);

}  // namespace skycore::plugins::errors
