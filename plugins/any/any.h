// any: answers every ANY question with one short HINFO record instead of
// everything the name has (RFC 8482), as CoreDNS's any. Other questions go
// on to the next plugin.
#pragma once
#include "core/plugin/plugin.h"

namespace skycore::plugins::any {

class Any final : public Plugin {
 public:
  std::string_view name() const override { return "any"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
};

}  // namespace skycore::plugins::any
