// What a plugin tells the core about a query it was handed.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "core/wire/types.h"

namespace skycore {

struct Result {
  // True when the plugin (or one after it) wrote the response into the
  // Request. False means nobody did: the core answers with `rcode`.
  bool answered = false;
  uint16_t rcode = wire::rcode::SERVFAIL;
  // Which plugin produced the outcome, for metrics and the errors plugin.
  std::string_view plugin;
  // Empty on success. Set for failures worth logging ("no next plugin",
  // upstream timeouts). Short strings fit SSO; failures are off the fast path.
  std::string error;

  static Result written(std::string_view plugin, uint16_t rcode) { return {true, rcode, plugin, {}}; }
  static Result unanswered(std::string_view plugin, uint16_t rcode, std::string error = {}) {
    return {false, rcode, plugin, std::move(error)};
  }
};

}  // namespace skycore
