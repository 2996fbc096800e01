// header: puts header flags of queries and responses into the state a
// Corefile asks for, as CoreDNS's header: `query set rd` before the rest of
// the chain sees the query, `response set ra aa` / `response clear rd` on
// the way back. Rules are folded at setup into one set mask and one clear
// mask per direction (later rules win), so a query costs two bit operations.
#pragma once
#include <cstdint>

#include "core/plugin/plugin.h"

namespace skycore::plugins::header {

struct Masks {
  uint16_t set = 0, clear = 0;
  void add(uint16_t flags, bool on) {
    if (on) {
      set |= flags;
      clear &= ~flags;
    } else {
      clear |= flags;
      set &= ~flags;
    }
  }
  uint16_t apply(uint16_t f) const { return (f | set) & ~clear; }
  bool empty() const { return !set && !clear; }
};

class Header final : public Plugin {
 public:
  Header(Masks query, Masks response) : query_(query), response_(response) {}
  std::string_view name() const override { return "header"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  Masks query_, response_;
};

}  // namespace skycore::plugins::header
