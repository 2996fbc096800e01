// What the message fuzzer does with one input; shared with the corpus
// regression test so both exercise exactly the same code. Returns false if
// our own output fails to parse (a bug).
#pragma once
#include <array>
#include <span>

#include "core/wire/query.h"
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
  return true;
}

}  // namespace skycore::wire
