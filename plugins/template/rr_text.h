// One resource record in RFC 1035 zone-file form ("a.example. 60 IN A
// 10.0.0.1", parentheses allowed) written straight into a response, as
// miekg/dns's NewRR reads it for CoreDNS: names are absolute, TTL defaults
// to 3600 and class to IN. A, AAAA, CNAME, DNAME, NS, PTR, MX, SRV, TXT,
// SPF, SOA, and any type in RFC 3597's `\# LEN HEX` form.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/wire/name.h"
#include "core/wire/types.h"
#include "core/wire/writer.h"

namespace skycore::plugins::template_ {

enum class RrStatus : uint8_t { written, full, invalid };

struct RrHead {
  wire::Name owner;
  uint16_t type = 0;
  wire::Name target;  // a CNAME's target (for the chase)
};

// Writes `text` as one record of `section`; `head` receives its owner and
// type. No allocation.
RrStatus write_rr(std::string_view text, wire::Section section, wire::MessageWriter& w, RrHead& head);

}  // namespace skycore::plugins::template_
