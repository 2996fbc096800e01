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
#include <string>

#include "core/plugin/ip_bytes.h"
#include "core/plugin/subnet.h"
#include "plugins/loadbalance/weights.h"

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

// `prefer` subnets (core/plugin/subnet.h): addresses inside one go first.
using skycore::Subnet;

// What is done to each run of A/AAAA (and MX) records with one owner.
struct Policy {
  // round_robin shuffles every run; weighted moves one address, picked by
  // weight, to the front of its run and leaves the rest (and MX) alone.
  const Weights* weights = nullptr;  // null: round_robin
  std::span<const Subnet> prefer;    // then: preferred addresses first, order kept
};

// Shuffles `msg` (a whole DNS response) in place. Returns how many records
// could take part; a message it cannot walk is left untouched. `owner` is
// scratch for the weighted policy's name look-ups.
size_t shuffle_answers(std::span<uint8_t> msg, Rng& rng, const Policy& policy = {});

// Keeps the first `limit` answer records; returns the message's new length
// (unchanged when it has no more, or when a later name points into the
// records that would go).
size_t limit_answers(std::span<uint8_t> msg, size_t limit);

}  // namespace skycore::plugins::loadbalance
