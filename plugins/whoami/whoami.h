// whoami: answers every query with the client's address and port, like
// CoreDNS's whoami. Useful to test that a server block is reached at all.
#pragma once
#include "core/plugin/plugin.h"

namespace skycore::plugins::whoami {

class Whoami final : public Plugin {
 public:
  std::string_view name() const override { return "whoami"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
};

// Writes the whoami answer into req.response (exposed for unit tests).
void write_answer(Request& req);

}  // namespace skycore::plugins::whoami
