// What a worker's connection cap needs of any stream connection (DNS over
// TCP or TLS, DNS over HTTPS): whether it is idle, since when, and closing it.
#pragma once
#include <chrono>

namespace skycore::server {

class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  virtual void close() = 0;
  virtual bool idle() const = 0;  // nothing being answered or written
  virtual bool closed() const = 0;
  virtual std::chrono::steady_clock::time_point last_activity() const = 0;
};

}  // namespace skycore::server
