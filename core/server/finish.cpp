#include "core/server/finish.h"

#include "core/server/query_handler.h"
#include "core/wire/header.h"

namespace skycore::server {

Finished finish(Request& req, const Result& r) {
  auto& w = req.response;
  Finished f;
  if (req.observer_count) f.took = std::chrono::steady_clock::now() - req.received;
  uint16_t rcode = r.rcode;
  if (!r.answered) {
    w.start_response(req.query, req.packet);
    w.set_rcode(rcode);
  } else if (w.size() < wire::kHeaderSize) {
    f.sent = false;  // a plugin chose to drop the query
    return f;
  } else {
    rcode = w.rcode();
  }
  if (!req.query.edns.present) {
    w.remove_opt();  // an upstream's, for a client that sent none
  } else if (!w.has_opt()) {
    w.unreserve(wire::kOptRecordSize);
    w.add_opt(kEdnsSize, static_cast<uint8_t>(rcode >> 4), req.query.edns.do_bit);
  }
  wire::HeaderView h{w.data().data()};
  f.rcode = rcode;
  f.flags = h.flags();
  f.size = w.size();
  return f;
}

void notify_observers(const Request& req, const Result& r, const Finished& f) {
  for (uint8_t i = 0; i < req.observer_count; ++i) req.observers[i]->finished(req, r, f);
}

}  // namespace skycore::server
