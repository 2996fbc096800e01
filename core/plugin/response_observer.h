// What plugins that report on answers (metrics, log, errors) see: the
// response as the client gets it, after the core has finished it (OPT,
// truncation, the bare rcode when nobody answered), as CoreDNS's Recorder
// sees what was written. A plugin registers with Request::observe() on the
// way down the chain; the core calls it once, after finish().
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace skycore {

struct Request;
struct Result;

struct Finished {
  bool sent = true;    // false: dropped on purpose (nothing goes out)
  uint16_t rcode = 0;  // including the extended bits the OPT carries
  uint16_t flags = 0;  // the header's flags word
  size_t size = 0;     // bytes on the wire (without the TCP length prefix)
  std::chrono::nanoseconds took{0};  // from the query's arrival to the finished response
};

class ResponseObserver {
 public:
  virtual ~ResponseObserver() = default;
  // `req.response.data()` holds the finished bytes.
  virtual void finished(const Request& req, const Result& r, const Finished& f) = 0;
};

}  // namespace skycore
