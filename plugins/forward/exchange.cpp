#include "plugins/forward/exchange.h"

#include <cstring>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::plugins::forward {

const char* error_text(ExchangeError e) {
  switch (e) {
    case ExchangeError::none: return "ok";
    case ExchangeError::timeout: return "i/o timeout";
    case ExchangeError::network: return "network error";
    case ExchangeError::overload: return "too many queries in flight";
    case ExchangeError::closed: return "shutting down";
  }
  return "?";
}

bool reply_matches(std::span<const uint8_t> reply, uint16_t id, const wire::Query& q,
                   std::span<const uint8_t> sent) {
  if (reply.size() < wire::kHeaderSize) return false;
  wire::HeaderView h{reply.data()};
  if (!h.has(wire::flag::QR) || h.id() != id || h.qdcount() != 1) return false;
  wire::WireReader r(reply, wire::kHeaderSize);
  wire::Name qname;
  r.name(qname);
  uint16_t qtype = r.u16();
  uint16_t qclass = r.u16();
  // The question must sit uncompressed at offset 12, so the client's
  // spelling can be copied back over it byte for byte.
  if (!(r.ok() && r.pos() == wire::kHeaderSize + q.qname.size() + 4 && qtype == q.qtype &&
        qclass == q.qclass && qname.equals_ignore_case(q.qname)))
    return false;
  // A question sent in another case than the client's (use_caps_for_id)
  // must come back in exactly that case.
  const size_t n = q.qname.size();
  if (sent.size() < wire::kHeaderSize + n) return true;
  const uint8_t* ours = sent.data() + wire::kHeaderSize;
  return std::memcmp(ours, q.qname.wire().data(), n) == 0 ||
         std::memcmp(reply.data() + wire::kHeaderSize, ours, n) == 0;
}

}  // namespace skycore::plugins::forward
