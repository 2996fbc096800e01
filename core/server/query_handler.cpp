#include "core/server/query_handler.h"

#include <algorithm>

#include "core/server/finish.h"
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

// Internal lookups run the same code as a client's query, over "TCP" so
// the reply is never truncated, and stop at a small depth so two plugins
// that point at each other cannot recurse for ever.
class ZoneResolver final : public InternalResolver {
 public:
  explicit ZoneResolver(const ZoneTable& zones) : zones_(zones) {}
  asio::awaitable<std::vector<uint8_t>> resolve(const Request& parent, const wire::Name& name,
                                                uint16_t qtype) const override {
    static constexpr uint8_t kMaxDepth = 4;
    if (parent.depth >= kMaxDepth) co_return std::vector<uint8_t>{};
    std::vector<uint8_t> packet(12, 0);
    packet[0] = parent.packet.size() > 1 ? parent.packet[0] : 0;  // any ID will do; it never leaves
    packet[1] = parent.packet.size() > 1 ? parent.packet[1] : 0;
    packet[2] = 0x01;  // RD
    packet[5] = 1;     // QDCOUNT
    auto wire_name = name.wire();
    packet.insert(packet.end(), wire_name.begin(), wire_name.end());
    packet.push_back(static_cast<uint8_t>(qtype >> 8));
    packet.push_back(static_cast<uint8_t>(qtype));
    packet.push_back(0);
    packet.push_back(1);  // IN
    std::vector<uint8_t> storage(wire::kMaxMessage);
    Request sub;
    sub.packet = packet;
    sub.response_storage = storage;
    sub.transport = Transport::tcp;
    sub.copy_origin(parent);
    sub.depth = static_cast<uint8_t>(parent.depth + 1);
    co_await handle_query(sub, zones_);
    auto reply = sub.response.data();
    co_return std::vector<uint8_t>(reply.begin(), reply.end());
  }

 private:
  const ZoneTable& zones_;
};

}  // namespace

asio::awaitable<void> handle_query(Request& req, const ZoneTable& zones) {
  // Lives in this coroutine's frame for as long as the chain runs.
  ZoneResolver resolver(zones);
  req.resolver = &resolver;
  req.received = std::chrono::steady_clock::now();
  req.observer_count = 0;  // listeners reuse their Request for the next query
  req.edns_options = {};
  req.deadline = std::chrono::steady_clock::time_point::max();
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
  notify_observers(req, r, finish(req, r));
}

}  // namespace skycore::server
