#include "plugins/kubernetes/api_client.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/StreamSocket.h>
#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio/ip/address.hpp>
#include <Poco/Net/NetSSL.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "core/corefile/port.h"

namespace skycore::plugins::kubernetes {
namespace {

// Lists answer within seconds; a watch is closed by the server after
// timeoutSeconds (set below that), so a read that waits longer than this
// means the server is gone without closing the connection.
constexpr int kListTimeout = 30;
constexpr int kWatchTimeout = 360;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Loads PEM text into an OpenSSL context: every CA certificate in a bundle,
// and a client certificate chain with its key.
void load_pem(SSL_CTX* ctx, const ApiServer& s) {
  auto bio_of = [](const std::string& pem) {
    return std::unique_ptr<BIO, decltype(&BIO_free)>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                      &BIO_free);
  };
  if (!s.ca_pem.empty()) {
    auto bio = bio_of(s.ca_pem);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int n = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      X509_free(cert);
      ++n;
    }
    if (n == 0) throw std::runtime_error("no certificate in the CA data");
  }
  if (!s.cert_pem.empty()) {
    auto bio = bio_of(s.cert_pem);
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!cert || SSL_CTX_use_certificate(ctx, cert) != 1) {
      if (cert) X509_free(cert);
      throw std::runtime_error("unusable client certificate");
    }
    X509_free(cert);
    while (X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
      SSL_CTX_add_extra_chain_cert(ctx, extra);  // takes ownership
    auto kbio = bio_of(s.key_pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kbio.get(), nullptr, nullptr, nullptr);
    if (!key || SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      if (key) EVP_PKEY_free(key);
      throw std::runtime_error("unusable client key (or it does not match the certificate)");
    }
    EVP_PKEY_free(key);
  }
}

Poco::Net::Context::Ptr make_tls(const ApiServer& s) {
  using Poco::Net::Context;
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  Context::Params params;
  params.verificationMode = s.skip_verify ? Context::VERIFY_NONE : Context::VERIFY_RELAXED;
  params.loadDefaultCAs = s.ca_pem.empty();
  Context::Ptr ctx = new Context(Context::TLS_CLIENT_USE, params);
  // Poco's own host check only knows DNS names; OpenSSL's checks the IP
  // SANs too, which the in-cluster address (10.96.0.1) needs.
  ctx->enableExtendedCertificateVerification(false);
  if (!s.skip_verify) {
    X509_VERIFY_PARAM* p = SSL_CTX_get0_param(ctx->sslContext());
    asio::error_code ec;
    asio::ip::make_address(s.host, ec);
    if (!ec) X509_VERIFY_PARAM_set1_ip_asc(p, s.host.c_str());
    else X509_VERIFY_PARAM_set1_host(p, s.host.c_str(), 0);
  }
  load_pem(ctx->sslContext(), s);
  return ctx;
}

std::string status_message(const std::string& body) {
  try {
    auto o = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
    return o->optValue<std::string>("message", body);
  } catch (const std::exception&) {
    return body.substr(0, 200);
  }
}

}  // namespace

std::string ApiServer::describe() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", https ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::optional<ApiServer> parse_server_url(const std::string& url, std::string& why) {
  ApiServer s;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    s.https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    s.port = 80;
    rest = url.substr(7);
  } else {
    why = fmt::format("'{}' is not an http:// or https:// URL", url);
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) {
    why = fmt::format("'{}': a path after the host is not supported", url);
    return std::nullopt;
  }
  auto hp = corefile::split_host_port(rest);
  if (!hp) {
    why = fmt::format("'{}': not HOST[:PORT] after the scheme", url);
    return std::nullopt;
  }
  s.host = hp->host;
  if (hp->port) s.port = *hp->port;
  return s;
}

ApiSession::ApiSession(const ApiServer& server) : server_(server) {
  if (server_.https) tls_ = make_tls(server_);
}
ApiSession::~ApiSession() = default;

std::unique_ptr<Poco::Net::HTTPClientSession> ApiSession::connect(int read_timeout_s) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (server_.https) {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(server_.host, server_.port, tls_);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(server_.host, server_.port);
  }
  session->setTimeout(Poco::Timespan(5, 0), Poco::Timespan(10, 0), Poco::Timespan(read_timeout_s, 0));
  return session;
}

void ApiSession::authorize(Poco::Net::HTTPRequest& req) const {
  std::string token = server_.token;
  if (token.empty() && !server_.token_file.empty()) {
    token = read_file(server_.token_file);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
      token.pop_back();
  }
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  req.set("Accept", "application/json");
  req.set("User-Agent", "skycore");
}

ApiSession::Active::Active(ApiSession& owner, Poco::Net::HTTPClientSession* s) : owner_(owner) {
  std::lock_guard lock(owner_.mu_);
  stopped = owner_.aborted_;
  if (!stopped) owner_.active_ = s;
}

ApiSession::Active::~Active() {
  std::lock_guard lock(owner_.mu_);
  owner_.active_ = nullptr;
}

std::istream& ApiSession::request(Poco::Net::HTTPClientSession& s, const std::string& path, const char* what) {
  Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path, Poco::Net::HTTPMessage::HTTP_1_1);
  authorize(req);
  s.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  std::istream& in = s.receiveResponse(resp);
  if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    throw ApiError(static_cast<int>(resp.getStatus()),
                   fmt::format("{} {}: {} {}", what, path, static_cast<int>(resp.getStatus()), status_message(body)));
  }
  return in;
}

namespace {

// The whole body, read in blocks (a stream iterator per character cost a
// list page more than parsing it).
std::string read_all(std::istream& in) {
  std::string body;
  char block[65536];
  while (in.read(block, sizeof block) || in.gcount() > 0) body.append(block, static_cast<size_t>(in.gcount()));
  return body;
}

}  // namespace

std::string ApiSession::get(const std::string& path) {
  auto session = connect(kListTimeout);
  Active active(*this, session.get());
  if (active.stopped) throw std::runtime_error("stopped");
  try {
    return read_all(request(*session, path, "GET"));
  } catch (const Poco::Exception& e) {
    throw std::runtime_error(fmt::format("GET {}: {}", path, e.displayText()));
  }
}

void ApiSession::watch(const std::string& path, const std::function<void(std::string_view line)>& on_event) {
  auto session = connect(kWatchTimeout);
  Active active(*this, session.get());
  if (active.stopped) return;
  try {
    std::istream& in = request(*session, path, "watch");
    std::string line;
    while (std::getline(in, line)) {
      std::string_view l = line;
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      if (l.empty()) continue;
      on_event(l);
    }
  } catch (const Poco::Exception& e) {
    std::lock_guard lock(mu_);
    if (aborted_) return;
    throw std::runtime_error(fmt::format("watch {}: {}", path, e.displayText()));
  }
}

void ApiSession::abort() {
  std::lock_guard lock(mu_);
  aborted_ = true;
  if (active_) {
    try {
      active_->socket().shutdown();
    } catch (const Poco::Exception&) {
    }
  }
}

}  // namespace skycore::plugins::kubernetes
