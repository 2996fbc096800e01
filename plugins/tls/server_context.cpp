#include "plugins/tls/server_context.h"

#include <openssl/ssl.h>

#include <cstring>
#include <stdexcept>

namespace skycore::plugins::tls {
namespace {

// The server's pick among the client's ALPN offers: h2, then http/1.1, then
// dot, whichever the client lists (a DoT client offers "dot" or nothing;
// a DoH client h2 and/or http/1.1). No common protocol: no ALPN, and the
// listener serves its default.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void*) {
  for (const char* want : {"h2", "http/1.1", "dot"}) {
    size_t wl = std::strlen(want);
    for (unsigned int i = 0; i < inlen;) {
      unsigned int l = in[i];
      if (i + 1 + l > inlen) break;
      if (l == wl && std::memcmp(in + i + 1, want, wl) == 0) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(l);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + l;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_server_context(const ServerTls& tls) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  auto use = [&](const char* what, const std::string& file, auto&& f) {
    try {
      f();
    } catch (const std::system_error& e) {
      throw std::runtime_error(std::string("tls: cannot use ") + what + " '" + file + "': " + e.what());
    }
  };
  use("certificate", tls.cert, [&] { ctx->use_certificate_chain_file(tls.cert); });
  use("key", tls.key, [&] { ctx->use_private_key_file(tls.key, asio::ssl::context::pem); });
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("tls: the key '" + tls.key + "' does not match the certificate '" + tls.cert + "'");
  if (!tls.ca.empty()) use("CA", tls.ca, [&] { ctx->load_verify_file(tls.ca); });
  // As Go's tls.ClientAuthType, which CoreDNS's client_auth names.
  switch (tls.client_auth) {
    case ClientAuth::nocert: ctx->set_verify_mode(asio::ssl::verify_none); break;
    case ClientAuth::request:  // asks, accepts anything: verified by nobody
      ctx->set_verify_mode(asio::ssl::verify_peer);
      ctx->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
      break;
    case ClientAuth::require:
      ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      ctx->set_verify_callback([](bool, asio::ssl::verify_context&) { return true; });
      break;
    case ClientAuth::verify_if_given: ctx->set_verify_mode(asio::ssl::verify_peer); break;
    case ClientAuth::require_and_verify:
      ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
      break;
  }
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_alpn, nullptr);
  // Resumption without server state: tickets (OpenSSL's default) only.
  SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
  return ctx;
}

}  // namespace skycore::plugins::tls
