#include "core/wire/record.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

#include "core/wire/header.h"
#include "core/wire/reader.h"

namespace skycore::wire {
namespace {

// Decodes rdata of known types into text; returns false on malformed rdata.
bool decode_rdata(std::span<const uint8_t> msg, const RecordView& rr, std::string* text) {
  WireReader r(msg.first(rr.rdata_offset + rr.rdlength), rr.rdata_offset);
  std::string out;
  auto name = [&] {
    Name n;
    r.name(n);
    if (r.ok()) out += n.to_text();
  };
  auto number = [&](uint32_t v) { out += fmt::format("{}", v); };
  switch (rr.type) {
    case rrtype::A:
    case rrtype::AAAA: {
      size_t n = rr.type == rrtype::A ? 4 : 16;
      auto b = r.bytes(n);
      if (!r.ok() || rr.rdlength != n) return false;
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(rr.type == rrtype::A ? AF_INET : AF_INET6, b.data(), buf, sizeof buf);
      out = buf;
      break;
    }
    case rrtype::NS:
    case rrtype::CNAME:
    case rrtype::PTR: name(); break;
    case rrtype::MX: number(r.u16()); out += ' '; name(); break;
    case rrtype::SRV:
      number(r.u16()); out += ' '; number(r.u16()); out += ' '; number(r.u16()); out += ' ';
      name();
      break;
    case rrtype::SOA:
      name(); out += ' '; name();
      for (int i = 0; i < 5; ++i) { out += ' '; number(r.u32()); }
      break;
    case rrtype::TXT:
      while (r.ok() && r.remaining() > 0) {
        auto s = r.bytes(r.u8());
        if (!out.empty()) out += ' ';
        out += '"';
        for (uint8_t c : s) {
          if (c == '"' || c == '\\') out += '\\';
          if (c < 0x20 || c >= 0x7f) out += fmt::format("\\{:03}", c);
          else out += static_cast<char>(c);
        }
        out += '"';
      }
      break;
    default: {
      auto b = r.bytes(rr.rdlength);
      out = fmt::format("\\# {}", rr.rdlength);
      if (!b.empty()) out += ' ';
      for (uint8_t c : b) out += fmt::format("{:02x}", c);
    }
  }
  // The rdata must be consumed exactly.
  if (!r.ok() || r.pos() != rr.rdata_offset + rr.rdlength) return false;
  if (text) *text = std::move(out);
  return true;
}

}  // namespace

bool parse_message(std::span<const uint8_t> msg, ParsedMessage& out) {
  out = ParsedMessage{};
  if (msg.size() < kHeaderSize) return false;
  HeaderView h{msg.data()};
  out.id = h.id();
  out.flags = h.flags();
  out.rcode = h.rcode();
  WireReader r(msg, kHeaderSize);
  if (h.qdcount() > 1) return false;
  if (h.qdcount() == 1) {
    r.name(out.qname);
    out.qtype = r.u16();
    out.qclass = r.u16();
    out.has_question = r.ok();
  }
  const uint16_t counts[] = {h.ancount(), h.nscount(), h.arcount()};
  for (int s = 0; s < 3; ++s) {
    for (uint16_t i = 0; i < counts[s]; ++i) {
      RecordView rr;
      rr.section = static_cast<Section>(s);
      r.name(rr.owner);
      rr.type = r.u16();
      rr.cls = r.u16();
      rr.ttl_offset = r.pos();
      rr.ttl = r.u32();
      rr.rdlength = r.u16();
      rr.rdata_offset = r.pos();
      r.skip(rr.rdlength);
      if (!r.ok()) return false;
      if (rr.type != rrtype::OPT && !decode_rdata(msg, rr, nullptr)) return false;
      out.records.push_back(rr);
    }
  }
  return r.ok() && r.remaining() == 0;
}

namespace {
// Where the OPT record of the additional section starts and ends; {0, 0}
// if there is none or the message cannot be walked.
std::pair<size_t, size_t> find_opt(std::span<const uint8_t> msg) {
  if (msg.size() < kHeaderSize) return {0, 0};
  HeaderView h{msg.data()};
  if (h.arcount() == 0) return {0, 0};
  WireReader r(msg, kHeaderSize);
  r.skip_questions(h.qdcount());
  size_t before_additional = h.ancount() + h.nscount();
  size_t total = before_additional + h.arcount();
  for (size_t i = 0; i < total && r.ok(); ++i) {
    size_t start = r.pos();
    r.skip_name();
    uint16_t type = r.u16();
    r.skip(6);
    r.skip(r.u16());
    if (r.ok() && type == rrtype::OPT && i >= before_additional) return {start, r.pos()};
  }
  return {0, 0};
}
}  // namespace

size_t remove_opt(std::span<uint8_t> msg) {
  auto [start, end] = find_opt(msg);
  if (end == 0) return msg.size();
  std::memmove(msg.data() + start, msg.data() + end, msg.size() - end);
  store16(msg.data() + 10, static_cast<uint16_t>(HeaderView{msg.data()}.arcount() - 1));
  return msg.size() - (end - start);
}

bool has_opt(std::span<const uint8_t> msg) { return find_opt(msg).second != 0; }

std::optional<OptView> opt_record(std::span<const uint8_t> msg) {
  auto [start, end] = find_opt(msg);
  if (end == 0) return std::nullopt;
  WireReader r(msg, start);
  r.skip_name();
  r.skip(2);
  OptView v;
  v.udp_size = r.u16();
  v.ttl = r.u32();
  uint16_t len = r.u16();
  v.options = r.bytes(len);
  if (!r.ok()) return std::nullopt;
  return v;
}

bool has_option(std::span<const uint8_t> options, uint16_t code) {
  bool found = false;
  for_each_option(options, [&](uint16_t c, std::span<const uint8_t>) { found |= c == code; });
  return found;
}

std::string rdata_to_text(std::span<const uint8_t> msg, const RecordView& rr) {
  std::string text;
  if (!decode_rdata(msg, rr, &text)) return "<malformed>";
  return text;
}

}  // namespace skycore::wire
