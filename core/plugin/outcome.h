// What the client will actually receive for a query once the chain has
// returned: the plugin's response, or the core's bare rcode reply, plus the
// OPT record the core appends for EDNS clients. metrics and log report this,
// so it is computed in one place.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/plugin/request.h"
#include "core/plugin/result.h"
#include "core/wire/header.h"

namespace skycore {

struct Outcome {
  bool sent = true;    // false: dropped on purpose (nothing goes out)
  uint16_t rcode = 0;
  uint16_t flags = 0;  // header flags word
  size_t size = 0;     // bytes on the wire (without the TCP length prefix)
};

inline Outcome final_outcome(const Request& req, const Result& r) {
  Outcome o;
  const size_t opt = req.query.edns.present ? wire::kOptRecordSize : 0;  // what the core appends
  if (r.answered) {
    if (req.response.size() < wire::kHeaderSize) {
      o.sent = false;
      return o;
    }
    wire::HeaderView h{req.response.data().data()};
    o.rcode = h.rcode();
    o.flags = h.flags();
    // A message taken whole (cache, upstream) already has its OPT.
    o.size = req.response.size() + (req.response.assigned() ? 0 : opt);
    return o;
  }
  o.rcode = r.rcode;
  o.flags = wire::flag::QR | (req.query.flags & (wire::flag::RD | wire::flag::CD));
  o.size = wire::kHeaderSize + req.query.qname.size() + 4 + opt;
  return o;
}

}  // namespace skycore
