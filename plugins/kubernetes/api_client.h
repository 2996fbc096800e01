// A client for the Kubernetes API server: GET for lists and a streamed GET
// for watches, over HTTP or HTTPS (Poco NetSSL on OpenSSL), with a bearer
// token or a client certificate. One ApiSession is one connection, owned by
// one informer thread; abort() may be called from any thread to end a
// blocked read (shutdown).
#pragma once
#include <Poco/Net/Context.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace Poco::Net {
class HTTPClientSession;
class HTTPRequest;
}  // namespace Poco::Net

namespace skycore::plugins::kubernetes {

// Where the API server is and how to authenticate to it.
struct ApiServer {
  bool https = false;
  std::string host;  // name or address (no brackets)
  uint16_t port = 443;
  std::string ca_pem;    // trusted CAs (https); empty = the system's
  std::string cert_pem;  // client certificate and key (optional)
  std::string key_pem;
  std::string token;       // bearer token, or
  std::string token_file;  // a file re-read on every connection (rotated tokens)
  bool skip_verify = false;  // kubeconfig's insecure-skip-tls-verify

  std::string describe() const;
};

// "https://HOST[:PORT]" or "http://HOST[:PORT]"; nullopt with why otherwise.
std::optional<ApiServer> parse_server_url(const std::string& url, std::string& why);

// An HTTP status other than 200, with the Status object's message.
struct ApiError : std::runtime_error {
  ApiError(int status, const std::string& what) : std::runtime_error(what), status(status) {}
  int status;
};

class ApiSession {
 public:
  explicit ApiSession(const ApiServer& server);
  ~ApiSession();

  // GET path (with query) -> the body of a 200 answer. Throws ApiError for
  // another answer and std::runtime_error when the server cannot be reached.
  std::string get(const std::string& path);
  // A watch: calls on_event with each line (one JSON event, the caller
  // parses it) until the stream ends (returns), abort() is called
  // (returns), or it fails (throws).
  void watch(const std::string& path, const std::function<void(std::string_view line)>& on_event);
  void abort();

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> connect(int read_timeout_s);
  void authorize(Poco::Net::HTTPRequest& req) const;
  // Sends GET path on `s`; returns the body stream of a 200 answer, else
  // throws ApiError with the Status message (`what` names the call).
  std::istream& request(Poco::Net::HTTPClientSession& s, const std::string& path, const char* what);
  // The session abort() shuts down, while this lives; `stopped` if abort()
  // came first.
  class Active {
   public:
    Active(ApiSession& owner, Poco::Net::HTTPClientSession* s);
    ~Active();
    bool stopped = false;

   private:
    ApiSession& owner_;
  };

  ApiServer server_;
  Poco::Net::Context::Ptr tls_;
  std::mutex mu_;
  Poco::Net::HTTPClientSession* active_ = nullptr;
  bool aborted_ = false;
};

}  // namespace skycore::plugins::kubernetes
