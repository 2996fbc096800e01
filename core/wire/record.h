// Reading whole messages record by record (responses from upstreams, tests).
// Offsets are kept so callers can patch TTLs or IDs in place.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/wire/name.h"
#include "core/wire/types.h"

namespace skycore::wire {

struct RecordView {
  Section section = Section::answer;
  Name owner;
  uint16_t type = 0;
  uint16_t cls = 0;
  uint32_t ttl = 0;
  size_t ttl_offset = 0;    // where the TTL lives in the message
  size_t rdata_offset = 0;  // where the rdata starts in the message
  uint16_t rdlength = 0;
};

struct ParsedMessage {
  uint16_t id = 0;
  uint16_t flags = 0;
  uint8_t rcode = 0;  // header rcode (4 bits)
  Name qname;
  uint16_t qtype = 0, qclass = 0;
  bool has_question = false;
  std::vector<RecordView> records;  // all sections in order (OPT included)
};

// Parses the full message; false if anything is malformed (including rdata
// of known types that does not decode). Allocates: not for the hot path.
bool parse_message(std::span<const uint8_t> msg, ParsedMessage& out);

// Removes the OPT record from a message in place (for clients that did not
// send EDNS); returns the new length, or `msg.size()` if there is none or
// the message cannot be walked.
size_t remove_opt(std::span<uint8_t> msg);
// Whether the message's additional section holds an OPT record (false too
// if it cannot be walked). Walks the records only when ARCOUNT > 0.
bool has_opt(std::span<const uint8_t> msg);

// The OPT record of a message (a query or a response): its UDP size, its
// TTL field (extended rcode, version, DO) and its options, a view into `msg`.
struct OptView {
  uint16_t udp_size = 0;
  uint32_t ttl = 0;
  std::span<const uint8_t> options;
};
std::optional<OptView> opt_record(std::span<const uint8_t> msg);
// Calls f(code, data) for each option of an option list (code, length,
// data TLVs), in order; a truncated last option ends the walk.
template <class F>
void for_each_option(std::span<const uint8_t> options, F&& f) {
  for (size_t i = 0; i + 4 <= options.size();) {
    const uint16_t code = uint16_t(options[i] << 8 | options[i + 1]);
    const size_t len = size_t(options[i + 2] << 8 | options[i + 3]);
    if (i + 4 + len > options.size()) return;
    f(code, options.subspan(i + 4, len));
    i += 4 + len;
  }
}
// Whether an option list holds `code`.
bool has_option(std::span<const uint8_t> options, uint16_t code);

// Presentation form of a record's rdata ("10 5 53 target.", "\# 3 abcdef").
std::string rdata_to_text(std::span<const uint8_t> msg, const RecordView& rr);

}  // namespace skycore::wire
