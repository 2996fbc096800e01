// What the message fuzzer does with one input; shared with the corpus
// regression test so both exercise exactly the same code. Returns false if
// our own output fails to parse (a bug).
#pragma once
#include <array>
#include <span>

#include "core/wire/query.h"
#include "core/wire/message_copy.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::wire {

inline bool fuzz_one_message(std::span<const uint8_t> pkt) {
  Query q;
  if (parse_query(pkt, q) != QueryStatus::drop) {
    std::array<uint8_t, 512> buf{};
    MessageWriter w(buf, buf.size());
    w.start_response(q, pkt);
    w.add_name_rr(Section::answer, q.qname, rrtype::CNAME, 1, q.qname_lower);
    w.add_opt(1232, 0, q.edns.do_bit);
    ParsedMessage m;
    if (!parse_message(w.data(), m)) return false;
  }
  ParsedMessage m;
  if (parse_message(pkt, m))
    for (auto& rr : m.records) (void)rdata_to_text(pkt, rr);
  // rewrite's answer path on whatever an upstream sends: every name grows
  // a label, so compression pointers must be rebuilt, never copied.
  if (auto opt = opt_record(pkt)) (void)has_option(opt->options, 3);
  struct Grow final : RecordEdits {
    void owner(Name& n) override { n.prepend_label("x"); }
    void value(Name& n, uint16_t) override { n.prepend_label("y"); }
  } grow;
  static std::array<uint8_t, 65535> out;
  static const std::array<uint8_t, 28> question = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 't', 'e', 's', 't',
                                                   7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1};
  std::array<uint8_t, 30> qpkt{};
  std::copy(question.begin(), question.end(), qpkt.begin());
  qpkt[29] = 1;
  Query qq;
  if (parse_query(qpkt, qq) == QueryStatus::ok) {
    MessageWriter cw(out, out.size());
    if (copy_message(pkt, qq, qpkt, cw, grow) && cw.size() < kHeaderSize) return false;
    (void)append_answers(pkt, cw);
  }
  return true;
}

}  // namespace skycore::wire
