#include "core/server/query_handler.h"

#include <algorithm>

#include "core/wire/header.h"

namespace skycore::server {
namespace {

constexpr size_t kOptSize = wire::kOptRecordSize;

// Client-side limit for the response size.
uint16_t max_response_size(const Request& req) {
  if (req.transport == Transport::tcp) return wire::kMaxMessage;
  if (!req.query.edns.present) return wire::kMaxUdpPlain;
  return std::min<uint16_t>(req.query.edns.udp_size, kEdnsSize);
}

void add_opt_if_needed(Request& req, uint16_t rcode) {
  if (!req.query.edns.present) return;
  req.response.add_opt(kEdnsSize, static_cast<uint8_t>(rcode >> 4), req.query.edns.do_bit);
}

// Replies for queries that never reach a plugin.
void write_error(Request& req, uint16_t rcode) {
  req.response.start_response(req.query, req.packet);
  req.response.set_rcode(rcode);
  add_opt_if_needed(req, rcode);
}

}  // namespace

asio::awaitable<void> handle_query(Request& req, const ZoneTable& zones) {
  wire::QueryStatus status = wire::parse_query(req.packet, req.query);
  req.max_size = req.transport == Transport::tcp ? wire::kMaxMessage : wire::kMaxUdpPlain;
  if (status == wire::QueryStatus::drop) {
    req.response.reset({}, 0);
    co_return;
  }
  req.max_size = max_response_size(req);
  req.response.reset(req.response_buffer(), req.max_size);
  switch (status) {
    case wire::QueryStatus::formerr:
      // Only the ID and opcode are trusted from a malformed query.
      req.query.has_question = false;
      req.query.edns.present = false;
      write_error(req, wire::rcode::FORMERR);
      co_return;
    case wire::QueryStatus::notimp: write_error(req, wire::rcode::NOTIMP); co_return;
    case wire::QueryStatus::badvers: write_error(req, wire::rcode::BADVERS); co_return;
    default: break;
  }

  const ZoneRoute* route = zones.match(req.query.qname_lower);
  if (!route) {
    write_error(req, wire::rcode::REFUSED);
    co_return;
  }
  req.zone = route->zone_text;
  req.response.start_response(req.query, req.packet);
  if (req.query.edns.present) req.response.reserve(kOptSize);

  Result r = co_await route->chain->serve(req);

  if (!r.answered) {
    write_error(req, r.rcode);
    co_return;
  }
  if (!req.response.assigned()) {
    req.response.unreserve(kOptSize);
    add_opt_if_needed(req, req.response.rcode());
  }
}

}  // namespace skycore::server
