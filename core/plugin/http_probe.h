// A tiny HTTP endpoint for probes (health, ready): GET PATH answers with the
// status and body a callback gives, on a Poco HTTP server of its own threads.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace Poco::Net {
class HTTPServer;
}

namespace skycore {

class ProbeServer {
 public:
  using Check = std::function<std::pair<int, std::string>()>;  // (HTTP status, body)
  // ADDR is HOST:PORT; an empty host means all interfaces. Throws
  // std::runtime_error when it cannot listen.
  ProbeServer(const std::string& addr, std::string path, Check check);
  ~ProbeServer();

 private:
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// True if `addr` looks like HOST:PORT with a valid port (host may be empty).
bool valid_listen_address(const std::string& addr);

}  // namespace skycore
