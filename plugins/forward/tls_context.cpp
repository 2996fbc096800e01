#include "plugins/forward/tls_context.h"

#include <filesystem>
#include <stdexcept>

namespace skycore::plugins::forward {

std::unique_ptr<asio::ssl::context> make_tls_context(const TlsSettings& tls) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  try {
    // A CA bundle that does not exist (yet) gives no trust anchor at all:
    // every handshake fails verification, never falls back to the system store.
    std::error_code ec;
    if (!tls.ca.empty()) {
      if (std::filesystem::exists(tls.ca, ec)) ctx->load_verify_file(tls.ca);
    } else {
      ctx->set_default_verify_paths();
    }
    if (!tls.cert.empty()) ctx->use_certificate_chain_file(tls.cert);
    if (!tls.key.empty()) ctx->use_private_key_file(tls.key, asio::ssl::context::pem);
  } catch (const std::system_error& e) {
    throw std::runtime_error(std::string("tls: ") + e.what());
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

}  // namespace skycore::plugins::forward
