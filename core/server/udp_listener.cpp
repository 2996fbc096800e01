#include "core/server/udp_listener.h"

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <array>

#include "core/server/address.h"
#include "core/server/query_handler.h"
#include <asio/ip/v6_only.hpp>

#include "core/server/socket_options.h"

namespace skycore::server {

asio::ip::udp::socket open_udp_socket(asio::io_context& io, const asio::ip::udp::endpoint& ep) {
  asio::ip::udp::socket sock(io);
  sock.open(ep.protocol());
  if (ep.address().is_v6()) sock.set_option(asio::ip::v6_only(false));
  sock.set_option(asio::socket_base::reuse_address(true));
  sock.set_option(reuse_port(true));
  sock.bind(ep);
  // Replies are sent with a plain non-blocking sendto: one syscall, no
  // completion to schedule. Only a full socket buffer falls back to async.
  sock.non_blocking(true);
  return sock;
}

asio::awaitable<void> udp_receive_loop(asio::ip::udp::socket& sock, const ListenerSpec& spec) {
  // The frame owns the buffers (allocated once, when the loop starts).
  std::array<uint8_t, 4096> in;
  std::array<uint8_t, 4096> out;
  Request req;
  req.transport = Transport::udp;
  req.server = spec.label;
  req.response_storage = out;
  auto local = sock.local_endpoint();
  req.local_addr = unmapped(local.address());
  req.local_port = local.port();
  asio::ip::udp::endpoint from;
  asio::error_code ec;
  for (;;) {
    size_t n = co_await sock.async_receive_from(asio::buffer(in), from,
                                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !sock.is_open()) co_return;
    if (ec) continue;  // e.g. ICMP-induced errors: keep serving
    req.packet = {in.data(), n};
    req.remote_addr = unmapped(from.address());
    req.remote_port = from.port();
    co_await handle_query(req, spec.zones);
    if (req.response.size() == 0) continue;
    auto reply = asio::buffer(req.response.data().data(), req.response.size());
    sock.send_to(reply, from, 0, ec);
    if (ec == asio::error::would_block)
      co_await sock.async_send_to(reply, from, asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace skycore::server
