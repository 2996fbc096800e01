// Parking a coroutine on a stored completion handler, and waking it.
// Invoking an asio awaitable handler on its own thread resumes the coroutine
// right there, so a hand-over costs no scheduler round trip and no
// allocation. Used where one coroutine must be resumed by another piece of
// code on the same worker (UDP slots, upstream replies).
#pragma once
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/use_awaitable.hpp>
#include <optional>

namespace skycore {

using Wakeup = asio::async_result<asio::use_awaitable_t<>, void()>::handler_type;

// Suspends the calling coroutine until wake(slot) is called.
inline asio::awaitable<void> park(std::optional<Wakeup>& slot) {
  return asio::async_initiate<const asio::use_awaitable_t<>, void()>(
      [&slot](Wakeup h) { slot.emplace(std::move(h)); }, asio::use_awaitable);
}

// Resumes the parked coroutine inline; false if nothing was parked.
inline bool wake(std::optional<Wakeup>& slot) {
  if (!slot) return false;
  Wakeup h = std::move(*slot);
  slot.reset();
  std::move(h)();
  return true;
}

}  // namespace skycore
