// nsid: tells a client that asks (an NSID option in its query, RFC 5001)
// which server answered, as CoreDNS's nsid: the answer's OPT record gets an
// NSID option with DATA (the host name by default). Queries without the
// option are not touched.
#pragma once
#include <string>

#include "core/plugin/plugin.h"

namespace skycore::plugins::nsid {

inline constexpr uint16_t kNsidOption = 3;

class Nsid final : public Plugin {
 public:
  explicit Nsid(std::string data) : data_(std::move(data)) {}
  std::string_view name() const override { return "nsid"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  const std::string data_;
};

}  // namespace skycore::plugins::nsid
