// Socket options Asio does not name.
#pragma once
#include <asio/detail/socket_option.hpp>
#include <sys/socket.h>

namespace skycore::server {

// Lets each worker bind its own socket to the same address; the kernel then
// spreads clients across workers by flow hash.
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

}  // namespace skycore::server
