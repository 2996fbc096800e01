#include "core/wire/query.h"

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::wire {
namespace {

// OPT rdata is a list of {code, length, data}; lengths must tile it exactly.
bool options_well_formed(std::span<const uint8_t> rdata) {
  size_t i = 0;
  while (i < rdata.size()) {
    if (rdata.size() - i < 4) return false;
    size_t len = load16(&rdata[i + 2]);
    i += 4;
    if (len > rdata.size() - i) return false;
    i += len;
  }
  return true;
}

// Walks `count` records of one section; only the additional section may
// carry OPT (once, owned by the root name).
bool read_section(WireReader& r, uint16_t count, bool additional, Edns& edns) {
  for (uint16_t i = 0; i < count; ++i) {
    size_t owner_at = r.pos();
    r.skip_name();
    bool owner_is_root = r.ok() && r.pos() == owner_at + 1;
    uint16_t type = r.u16();
    uint16_t cls = r.u16();
    uint32_t ttl = r.u32();
    uint16_t rdlen = r.u16();
    auto rdata = r.bytes(rdlen);
    if (!r.ok()) return false;
    if (type != rrtype::OPT) continue;
    if (!additional || edns.present || !owner_is_root) return false;
    if (!options_well_formed(rdata)) return false;
    edns.present = true;
    edns.udp_size = cls < kMaxUdpPlain ? kMaxUdpPlain : cls;
    edns.version = static_cast<uint8_t>(ttl >> 16);
    edns.do_bit = (ttl & 0x8000) != 0;
  }
  return true;
}

}  // namespace

QueryStatus parse_query(std::span<const uint8_t> pkt, Query& q) {
  q.has_question = false;
  q.edns = Edns{};
  if (pkt.size() < kHeaderSize) return QueryStatus::drop;
  HeaderView h{pkt.data()};
  if (h.has(flag::QR)) return QueryStatus::drop;
  q.id = h.id();
  q.flags = h.flags();
  q.opcode = h.opcode();
  // An opcode we do not implement is NOTIMP whatever follows (RFC 8906
  // 3.1.4: ISC's tester sends opcode 15 without a question); the question
  // and OPT are echoed only when they read cleanly.
  const bool known_opcode = q.opcode == opcode::QUERY;
  if (h.qdcount() != 1) return known_opcode ? QueryStatus::formerr : QueryStatus::notimp;

  WireReader r(pkt, kHeaderSize);
  r.name(q.qname);
  q.qtype = r.u16();
  q.qclass = r.u16();
  if (!r.ok()) return known_opcode ? QueryStatus::formerr : QueryStatus::notimp;
  q.question_end = r.pos();
  q.qname_lower = q.qname;
  q.qname_lower.lowercase();
  q.has_question = true;

  if (!read_section(r, h.ancount(), false, q.edns) ||
      !read_section(r, h.nscount(), false, q.edns) ||
      !read_section(r, h.arcount(), true, q.edns) || r.remaining() != 0) {  // trailing garbage too
    if (known_opcode) return QueryStatus::formerr;
    q.edns = Edns{};
    return QueryStatus::notimp;
  }

  if (!known_opcode) return QueryStatus::notimp;
  if (q.edns.present && q.edns.version > 0) return QueryStatus::badvers;
  return QueryStatus::ok;
}

}  // namespace skycore::wire
