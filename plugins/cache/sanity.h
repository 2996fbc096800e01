// Answers the cache refuses to keep although their rcode is cacheable, as
// CoreDNS declines them: a bad upstream reply must not stick for a whole
// TTL. A NOERROR answer whose CNAME chain from the question dangles, ends
// in another type, loops or gives one name two targets (unless an SOA in
// the authority section makes it a proper NODATA at the chain's end); and
// any answer carrying an RRSIG outside its validity period.
#pragma once
#include <cstdint>
#include <span>

#include "core/wire/name.h"

namespace skycore::plugins::cache {

// `msg` is a complete response without OPT; `now` is Unix time in seconds.
bool fit_to_cache(std::span<const uint8_t> msg, const wire::Name& qname_lower, uint16_t qtype, uint32_t now);

}  // namespace skycore::plugins::cache
