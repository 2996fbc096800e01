// Shuffling the order of address (A, AAAA) and MX records in a response's
// answer section in place, as CoreDNS's loadbalance does, without
// re-encoding the message: only the rdata (and TTL) of records that share
// a type and an owner spelled with the same bytes change places, so names,
// compression pointers and lengths stay valid. No allocation. Before that,
// the answer is put in CoreDNS's order (CNAME, others, A/AAAA, MX) when it
// is not, if no compression pointer points into the answer section.
#pragma once
#include <cstdint>
#include <span>

namespace skycore::plugins::loadbalance {

// A small fast generator (xorshift64*), one per worker.
struct Rng {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ull;
  }
};

// Shuffles `msg` (a whole DNS response) in place. Returns how many records
// could take part; a message it cannot walk is left untouched.
size_t shuffle_answers(std::span<uint8_t> msg, Rng& rng);

}  // namespace skycore::plugins::loadbalance
