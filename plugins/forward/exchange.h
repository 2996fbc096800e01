// What one attempt to get an answer from one upstream can end with.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/wire/query.h"

namespace skycore::plugins::forward {

using Clock = std::chrono::steady_clock;

enum class ExchangeError : uint8_t {
  none,
  timeout,   // no (valid) reply before the deadline
  network,   // send/connect/read failed
  overload,  // no room for another query in flight on this channel
  closed,    // shutting down
};

struct ExchangeResult {
  size_t len = 0;  // reply length in the caller's buffer
  ExchangeError error = ExchangeError::none;
  bool ok() const { return error == ExchangeError::none; }
};

const char* error_text(ExchangeError e);

// True if `reply` answers `q` under `id`: QR set, same ID, one question equal
// to ours (name compared case-insensitively). Anything else is a spoof or a
// stray and must be dropped.
// `sent`, when given, is the query as sent: a question whose case we
// changed (use_caps_for_id) must come back in exactly that case.
bool reply_matches(std::span<const uint8_t> reply, uint16_t id, const wire::Query& q,
                   std::span<const uint8_t> sent = {});

}  // namespace skycore::plugins::forward
