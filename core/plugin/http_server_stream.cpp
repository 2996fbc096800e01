// A streamed response (server-sent events) written out: the shared head in
// pieces within its deadline, then whatever the handler pushes, until the
// stream closes or the client goes.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "core/plugin/http_server_impl.h"
#include "core/plugin/http_stream.h"

namespace skycore {

namespace {
using Phase = HttpServer::Impl::Phase;
using Clock = HttpServer::Impl::Clock;
}  // namespace

asio::awaitable<void> HttpServer::Impl::stream(const std::shared_ptr<Conn>& cp, HttpStream& s) {
  Conn& c = *cp;
  auto wake = std::make_shared<asio::steady_timer>(io, Clock::time_point::max());
  s.on_wake([gate = gate, weak = std::weak_ptr<asio::steady_timer>(wake)] {
    std::lock_guard lock(gate->mu);
    if (gate->io)
      asio::post(*gate->io, [weak] {
        if (auto w = weak.lock()) w->cancel();
      });
  });
  // A client that goes is noticed by a read, since nothing else reads now.
  auto gone = std::make_shared<bool>(false);
  asio::co_spawn(io, [cp, gone, wake]() -> asio::awaitable<void> {
    char sink[256];
    asio::error_code ec;
    while (!ec) co_await cp->sock.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
    *gone = true;
    wake->cancel();
  }, asio::detached);
  std::string chunk;
  std::shared_ptr<const std::string> head;
  // The head's write left its deadline behind; a stream may wait long
  // for its first chunk (a joiner waiting for a snapshot buffer).
  c.enter(Phase::handling, std::chrono::milliseconds(0));
  while (c.sock.is_open() && !*gone && s.take(head, chunk)) {
    if (head) {
      // In pieces, each within the write timeout, all within
      // kHeadSeconds; stopped at once when the stream was cut off.
      constexpr size_t kPiece = 64 * 1024;
      std::string_view all(*head);
      auto until = Clock::now() + std::chrono::seconds(HttpStream::kHeadSeconds);
      for (size_t at = 0; at < all.size() && c.sock.is_open() && !*gone && !s.is_closed(); at += kPiece) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left <= std::chrono::milliseconds(0)) {
          c.close();
          break;
        }
        co_await write(c, all.substr(at, kPiece), std::min(left, limits.write_timeout));
      }
      head.reset();  // the last stream to write it frees it
      c.enter(Phase::handling, std::chrono::milliseconds(0));
      if (chunk.empty()) continue;  // take again: a push may have come meanwhile
    }
    if (!chunk.empty()) {
      co_await write(c, chunk);
      c.enter(Phase::handling, std::chrono::milliseconds(0));
      continue;
    }
    // A push from another thread posts the wake-up to this thread, so it
    // lands on this wait even if it came before it started.
    wake->expires_at(Clock::time_point::max());
    asio::error_code ec;
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  s.on_wake(nullptr);
}

}  // namespace skycore
