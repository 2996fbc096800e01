// libFuzzer target: the query validator, the reply writer on whatever it
// accepts, and the full message parser must survive any bytes.
#include <array>
#include <cstdint>
#include <span>

#include "core/wire/query.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

using namespace skycore::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> pkt(data, size);
  Query q;
  if (parse_query(pkt, q) != QueryStatus::drop) {
    std::array<uint8_t, 512> buf{};
    MessageWriter w(buf, buf.size());
    w.start_response(q, pkt);
    w.add_name_rr(Section::answer, q.qname, rrtype::CNAME, 1, q.qname_lower);
    w.add_opt(1232, 0, q.edns.do_bit);
    ParsedMessage m;
    if (!parse_message(w.data(), m)) __builtin_trap();  // our own output must parse
  }
  ParsedMessage m;
  if (parse_message(pkt, m))
    for (auto& rr : m.records) (void)rdata_to_text(pkt, rr);
  return 0;
}
