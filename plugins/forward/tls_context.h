// The TLS client context for tls:// upstreams (OpenSSL through asio::ssl).
#pragma once
#include <asio/ssl/context.hpp>
#include <memory>

#include "plugins/forward/config.h"

namespace skycore::plugins::forward {

// Verifies the upstream against `ca` (or the system store when empty) and
// presents `cert`/`key` when given. Throws std::runtime_error on bad files.
// A `ca` that does not exist trusts nothing: handshakes fail (fail closed).
std::unique_ptr<asio::ssl::context> make_tls_context(const TlsSettings& tls);

}  // namespace skycore::plugins::forward
