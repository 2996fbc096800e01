// The TLS server context of a block's tls:// (DNS over TLS, RFC 7858) and
// https:// (DNS over HTTPS, RFC 8484) listeners, as CoreDNS's tls plugin
// builds it: TLS 1.2 at least, the certificate chain and key, and a CA to
// verify client certificates against when client_auth asks for them.
#pragma once
#include <asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace skycore::plugins::tls {

enum class ClientAuth { nocert, request, require, verify_if_given, require_and_verify };

struct ServerTls {
  std::string cert, key, ca;
  ClientAuth client_auth = ClientAuth::nocert;
};

// Throws std::runtime_error naming the file that could not be used.
// ALPN: "dot" for DoT; "h2" then "http/1.1" for DoH (the listener picks).
std::shared_ptr<asio::ssl::context> make_server_context(const ServerTls& tls);

}  // namespace skycore::plugins::tls
