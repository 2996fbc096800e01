// Validation of an incoming query. The whole message is checked once, up
// front, so the rest of the server can trust a Query it is given.
#pragma once
#include <cstdint>
#include <span>

#include "core/wire/name.h"

namespace skycore::wire {

struct Edns {
  bool present = false;
  uint16_t udp_size = 0;  // as sent by the client (values < 512 count as 512)
  uint8_t version = 0;
  bool do_bit = false;
};

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;        // raw flags word from the header
  uint8_t opcode = 0;
  Name qname;                // as received (case preserved)
  Name qname_lower;          // lowercased, for matching and keys
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool has_question = false; // question parsed (also for NOTIMP/BADVERS replies)
  size_t question_end = 0;   // offset just past the question in the packet
  Edns edns;
};

enum class QueryStatus : uint8_t {
  ok,
  drop,     // too short for a header, or a response (QR=1): never answer
  formerr,  // structurally invalid: answer FORMERR with the query's ID
  notimp,   // valid but an opcode we do not serve
  badvers,  // EDNS version > 0
};

// Parses and validates `pkt` into `q`. Never throws, never reads out of bounds.
QueryStatus parse_query(std::span<const uint8_t> pkt, Query& q);

}  // namespace skycore::wire
