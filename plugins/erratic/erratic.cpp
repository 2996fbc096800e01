#include "plugins/erratic/erratic.h"

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/wire/header.h"

namespace skycore::plugins::erratic {

asio::awaitable<Result> Erratic::serve(Request& req, Next) {
  uint64_t n = queries_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (cfg_.drop && n % cfg_.drop == 0) {
    req.response.reset({}, 0);  // nothing is sent
    co_return Result::written(name(), wire::rcode::NOERROR);
  }
  if (cfg_.delay && n % cfg_.delay == 0) {
    asio::steady_timer t(co_await asio::this_coro::executor, cfg_.delay_for);
    asio::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  auto& w = req.response;
  w.set_flag(wire::flag::AA);
  if (cfg_.truncate && n % cfg_.truncate == 0) {
    w.set_flag(wire::flag::TC);
    co_return Result::written(name(), wire::rcode::NOERROR);
  }
  if (req.query.qtype == wire::rrtype::A) {
    const uint8_t ip[4] = {192, 0, 2, 53};
    w.add_a(wire::Section::answer, req.query.qname, 0, std::span<const uint8_t, 4>(ip));
  } else if (req.query.qtype == wire::rrtype::AAAA) {
    const uint8_t ip[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
    w.add_aaaa(wire::Section::answer, req.query.qname, 0, std::span<const uint8_t, 16>(ip));
  }
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::erratic
