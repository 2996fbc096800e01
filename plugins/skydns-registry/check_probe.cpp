#include "plugins/skydns-registry/check_probe.h"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <memory>

namespace skycore::plugins::skydns_registry {

Health health_of_status_line(std::string_view head) {
  // "HTTP/1.x NNN"
  if (head.size() < 12 || !head.starts_with("HTTP/1.") || head[8] != ' ') return Health::critical;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return Health::critical;
    code = code * 10 + (head[i] - '0');
  }
  if (code >= 200 && code < 300) return Health::passing;
  if (code == 429) return Health::warning;
  return Health::critical;
}

namespace {

// The socket and whether the deadline closed it, shared with the deadline's
// handler, which may run after the check's frame is gone.
struct Attempt {
  explicit Attempt(const asio::any_io_executor& ex) : socket(ex), deadline(ex) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer deadline;
};

}  // namespace

asio::awaitable<Health> run_check(const HealthCheck& check) {
  auto ex = co_await asio::this_coro::executor;
  auto at = std::make_shared<Attempt>(ex);
  at->deadline.expires_after(check.timeout);
  at->deadline.async_wait([at](std::error_code ec) {
    if (!ec) at->socket.close();  // whatever is waiting fails now
  });
  struct Cancel {  // the deadline and the connection go with the check, whichever way it ends
    Attempt& a;
    ~Cancel() {
      a.deadline.cancel();
      std::error_code ignored;
      // Closed here, not by the socket's destructor: asio's destructor
      // turns the zero linger below off again.
      a.socket.close(ignored);
    }
  } cancel{*at};

  std::error_code ec;
  asio::ip::tcp::endpoint ep(asio::ip::make_address(check.address, ec), check.port);
  if (ec) co_return Health::critical;
  co_await at->socket.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Health::critical;
  // Close with a reset, as HAProxy's checks do: an orderly close leaves this
  // end in TIME_WAIT for a minute per check, each holding a local port (at
  // 1,000 checks a second, about 13,000 of them 32 s in, docs/benchmarks.md;
  // checks of one shared address would run out of the ~28,000 ports). A
  // check wants no data delivered after its verdict.
  at->socket.set_option(asio::socket_base::linger(true, 0), ec);
  if (check.kind == HealthCheck::tcp) co_return Health::passing;

  std::string host = check.address.find(':') == std::string::npos ? check.address : "[" + check.address + "]";
  std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: skycore-health-check\r\nAccept: */*\r\nConnection: close\r\n\r\n",
      check.path, host, check.port);
  co_await asio::async_write(at->socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Health::critical;
  // Only the status line matters; a body, however long, is never read.
  asio::streambuf head(1024);
  co_await asio::async_read_until(at->socket, head, "\r\n", asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return Health::critical;
  auto data = head.data();
  std::string_view line(static_cast<const char*>(data.data()), data.size());
  co_return health_of_status_line(line);
}

}  // namespace skycore::plugins::skydns_registry
