// One health check, run once: a TCP connect, or an HTTP/1.1 GET whose
// status decides (2xx passing, 429 warning as in Consul, anything else,
// a refused or slow connection, or a reply that is not HTTP, critical).
// Bounded by the check's timeout from start to status line.
#pragma once
#include <asio/awaitable.hpp>

#include "plugins/skydns-registry/service_details.h"

namespace skycore::plugins::skydns_registry {

asio::awaitable<Health> run_check(const HealthCheck& check);

// The status line's verdict ("HTTP/1.1 200 OK..."); critical if `head` is
// not an HTTP status line.
Health health_of_status_line(std::string_view head);

}  // namespace skycore::plugins::skydns_registry
