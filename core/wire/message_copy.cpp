#include "core/wire/message_copy.h"

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::wire {
namespace {

// How a type's rdata holds names (RFC 1035 3.3, RFC 2782, RFC 6672): the
// fixed bytes before the name, and whether the name is the "value".
struct NameLayout {
  size_t prefix = 0;  // bytes before the (first) name
  bool has_name = false;
};

NameLayout layout(uint16_t type) {
  switch (type) {
    case rrtype::CNAME: case rrtype::NS: case rrtype::PTR: case rrtype::DNAME: return {0, true};
    case rrtype::MX: return {2, true};
    case rrtype::SRV: return {6, true};
    case rrtype::SOA: return {0, true};
    default: return {};
  }
}

// One record's rdata, copied with its names decompressed; false if malformed.
bool copy_rdata(WireReader& r, uint16_t type, uint16_t rdlength, MessageWriter& out, RecordEdits& edits) {
  const size_t end = r.pos() + rdlength;
  NameLayout l = layout(type);
  if (!l.has_name) {
    out.rdata_bytes(r.bytes(rdlength));
    return r.ok();
  }
  out.rdata_bytes(r.bytes(l.prefix));
  Name n;
  r.name(n);
  if (!r.ok()) return false;
  edits.value(n, type);
  // SRV targets and DNAME targets are never compressed (RFC 2782, RFC 6672).
  const bool compress = type != rrtype::SRV && type != rrtype::DNAME;
  out.rdata_name(n, compress);
  if (type == rrtype::SOA) {
    Name rname;
    r.name(rname);
    out.rdata_name(rname, true);
  }
  if (!r.ok() || r.pos() > end) return false;
  out.rdata_bytes(r.bytes(end - r.pos()));  // SOA's counters, anything after the name
  return r.ok();
}

// Copies `count` records of section `s` from `r`; false if malformed.
bool copy_records(WireReader& r, Section s, uint16_t count, MessageWriter& out, RecordEdits& edits) {
  for (uint16_t i = 0; i < count; ++i) {
    Name owner;
    r.name(owner);
    uint16_t type = r.u16(), cls = r.u16();
    uint32_t ttl = r.u32();
    uint16_t rdlength = r.u16();
    if (!r.ok() || r.remaining() < rdlength) return false;
    if (!edits.keep(s, i, type)) {
      r.skip(rdlength);
      continue;
    }
    if (type != rrtype::OPT) {
      edits.owner(owner);
      edits.ttl(ttl);
    }
    if (!out.begin_record(s, owner, type, cls, ttl)) {
      r.skip(rdlength);
      continue;
    }
    if (!copy_rdata(r, type, rdlength, out, edits)) return false;
    out.end_record();
  }
  return r.ok();
}

}  // namespace

bool append_answers(std::span<const uint8_t> msg, MessageWriter& out) {
  if (msg.size() < kHeaderSize) return false;
  HeaderView h{msg.data()};
  WireReader r(msg, kHeaderSize);
  r.skip_questions(h.qdcount());
  RecordEdits none;
  return copy_records(r, Section::answer, h.ancount(), out, none);
}

bool copy_message(std::span<const uint8_t> msg, const Query& question,
                  std::span<const uint8_t> query_packet, MessageWriter& out, RecordEdits& edits) {
  if (msg.size() < kHeaderSize) return false;
  HeaderView h{msg.data()};
  out.start_response(question, query_packet);
  auto head = out.mutable_data();
  if (head.size() < kHeaderSize) return false;
  // The flags and rcode as the message had them (AA, RA, AD, TC...).
  head[2] = msg[2];
  head[3] = msg[3];

  WireReader r(msg, kHeaderSize);
  r.skip_questions(h.qdcount());
  edits.before_answers(out);
  if (!copy_records(r, Section::answer, h.ancount(), out, edits)) return false;
  edits.after_answers(out);
  return copy_records(r, Section::authority, h.nscount(), out, edits) &&
         copy_records(r, Section::additional, h.arcount(), out, edits);
}

}  // namespace skycore::wire
