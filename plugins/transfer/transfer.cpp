#include "plugins/transfer/transfer.h"

#include <algorithm>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::plugins::transfer {
namespace {

// The serial of the one SOA in an IXFR query's authority section (RFC 1995).
std::optional<uint32_t> ixfr_serial(std::span<const uint8_t> packet) {
  if (packet.size() < wire::kHeaderSize) return std::nullopt;
  wire::HeaderView h{packet.data()};
  if (h.nscount() != 1 || h.ancount() != 0) return std::nullopt;
  wire::WireReader r(packet, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  r.skip_name();
  uint16_t type = r.u16();
  r.skip(2 + 4);
  uint16_t rdlength = r.u16();
  if (!r.ok() || type != wire::rrtype::SOA || r.remaining() < rdlength) return std::nullopt;
  r.skip_name();  // mname
  r.skip_name();  // rname
  uint32_t serial = r.u32();
  if (!r.ok()) return std::nullopt;
  return serial;
}

// RFC 1982: is `a` the same as or later than `b`?
bool serial_at_least(uint32_t a, uint32_t b) { return a == b || (a - b) < 0x80000000u; }

}  // namespace

const Rule* Transfer::rule_for(const wire::Name& qname) const {
  const Rule* best = nullptr;
  size_t best_len = 0;
  for (const auto& r : rules_)
    for (const auto& z : r.zones)
      if (qname.is_subdomain_of(z) && (!best || z.size() > best_len)) {
        best = &r;
        best_len = z.size();
      }
  return best;
}

asio::awaitable<Result> Transfer::serve(Request& req, Next next) {
  const uint16_t qtype = req.query.qtype;
  if (qtype != wire::rrtype::AXFR && qtype != wire::rrtype::IXFR) co_return co_await next(req);
  auto refuse = [&]() {
    req.response.set_rcode(wire::rcode::REFUSED);
    return Result::written(name(), wire::rcode::REFUSED);
  };
  if (!req.stream) co_return refuse();  // transfers are for TCP (RFC 5936 4.2)
  const Rule* rule = rule_for(req.query.qname_lower);
  if (!rule) co_return co_await next(req);
  if (!rule->anyone && std::find(rule->to.begin(), rule->to.end(), req.remote_addr) == rule->to.end())
    co_return refuse();

  const ZoneTransferSource* source = nullptr;
  for (const auto* s : sources_)
    if (s->transfers(req.query.qname_lower)) {
      source = s;
      break;
    }
  if (!source) co_return co_await next(req);

  TransferWriter out(req);
  const wire::Name& zone = req.query.qname_lower;
  if (qtype == wire::rrtype::IXFR) {
    auto theirs = ixfr_serial(req.packet);
    if (!theirs) co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "transfer: IXFR without one SOA");
    if (serial_at_least(*theirs, source->transfer_serial(zone))) {
      // Up to date: the current SOA alone (RFC 1995 2). IXFR is otherwise
      // answered with the whole zone, as CoreDNS does.
      TransferWriter soa(req);
      soa.keep_only(1);
      source->transfer(zone, soa);
      auto msgs = soa.finish();
      if (msgs.empty()) co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "transfer: empty zone");
      req.response.assign(msgs.front());
      co_return Result::written(name(), wire::rcode::NOERROR);
    }
  }
  source->transfer(zone, out);
  auto msgs = out.finish();
  if (msgs.empty()) co_return Result::unanswered(name(), wire::rcode::SERVFAIL, "transfer: empty zone");
  for (size_t i = 0; i + 1 < msgs.size(); ++i)
    if (!co_await req.stream->send(msgs[i])) co_return Result::unanswered(name(), wire::rcode::SERVFAIL);
  req.response.assign(msgs.back());
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::transfer
