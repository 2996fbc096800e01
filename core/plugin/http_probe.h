// A tiny HTTP endpoint for probes (health, ready): GET PATH answers with the
// status and body a callback gives, on an HttpServer of its own (one thread,
// event-driven, so idle or slow clients never delay a kubelet's probe).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace skycore {

class ProbeServer {
 public:
  using Check = std::function<std::pair<int, std::string>()>;  // (HTTP status, body)
  // ADDR is HOST:PORT; an empty host means all interfaces. Throws
  // std::runtime_error when it cannot listen.
  ProbeServer(const std::string& addr, std::string path, Check check);
  ~ProbeServer();

 private:
  std::unique_ptr<class HttpServer> server_;
};

// HOST:PORT as listen options write it: an empty host means all
// interfaces, "[v6]" loses its brackets. HOST is an IP literal or localhost;
// nullopt for anything else or a port that is not 1..65535.
struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};
std::optional<ListenAddress> split_listen_address(const std::string& addr);
inline bool valid_listen_address(const std::string& addr) { return split_listen_address(addr).has_value(); }

}  // namespace skycore
