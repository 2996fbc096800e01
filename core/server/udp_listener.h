// UDP serving for one worker on one address: a fixed set of receive
// coroutines share the worker's SO_REUSEPORT socket. Each owns its buffers
// and Request, so a query waiting on an upstream holds up only its own
// coroutine, and steady-state serving allocates nothing.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>

#include "core/server/server_plan.h"

namespace skycore::server {

// Concurrent UDP queries per worker and socket before the kernel queue takes over.
inline constexpr int kUdpReceivers = 128;

asio::ip::udp::socket open_udp_socket(asio::io_context& io, const asio::ip::udp::endpoint& ep);

// One receive/answer loop; returns when the socket is closed.
asio::awaitable<void> udp_receive_loop(asio::ip::udp::socket& sock, const ListenerSpec& spec);

}  // namespace skycore::server
