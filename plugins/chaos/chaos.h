// chaos: answers the CHAOS-class TXT questions operators and scanners ask a
// server about itself (CoreDNS's chaos): version.bind / version.server, the
// authors at authors.bind, and the host name at hostname.bind / id.server.
// Everything else goes on to the next plugin.
#pragma once
#include <string>
#include <vector>

#include "core/plugin/plugin.h"

namespace skycore::plugins::chaos {

class Chaos final : public Plugin {
 public:
  Chaos(std::string version, std::vector<std::string> authors, std::string hostname)
      : version_(std::move(version)), authors_(std::move(authors)), hostname_(std::move(hostname)) {}
  std::string_view name() const override { return "chaos"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  const std::string version_;
  const std::vector<std::string> authors_;
  const std::string hostname_;
};

}  // namespace skycore::plugins::chaos
