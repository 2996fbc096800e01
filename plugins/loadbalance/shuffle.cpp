#include "plugins/loadbalance/shuffle.h"

#include <array>
#include <cstring>

#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/types.h"

namespace skycore::plugins::loadbalance {
namespace {

struct Rr {
  size_t owner = 0, owner_len = 0;  // the owner's bytes as written (maybe a pointer)
  size_t ttl = 0;                   // offset of TTL; rdata follows rdlength
  size_t rdata = 0;
  uint16_t type = 0, rdlength = 0;
};

constexpr size_t kMaxRecords = 64;  // larger answers are left as they are

bool same_owner(std::span<const uint8_t> msg, const Rr& a, const Rr& b) {
  return a.owner_len == b.owner_len && std::memcmp(&msg[a.owner], &msg[b.owner], a.owner_len) == 0;
}

// An MX exchange may be moved only if it is self-contained or points at
// bytes before the first record of its run (which do not move).
bool exchange_is_movable(std::span<const uint8_t> msg, const Rr& r, size_t run_start) {
  size_t p = r.rdata + 2;
  const size_t end = r.rdata + r.rdlength;
  while (p < end) {
    uint8_t len = msg[p];
    if (len == 0) return true;
    if ((len & 0xc0) == 0xc0) {
      if (p + 1 >= end) return false;
      size_t target = ((len & 0x3f) << 8) | msg[p + 1];
      return target < run_start;
    }
    p += 1 + len;
  }
  return false;
}

void swap_rdata(std::span<uint8_t> msg, const Rr& a, const Rr& b) {
  std::array<uint8_t, 4 + 255 + 2> tmp;  // TTL + the largest rdata that moves (an MX)
  const size_t n = 4 + 2 + a.rdlength;   // TTL, rdlength and rdata are contiguous
  std::memcpy(tmp.data(), &msg[a.ttl], n);
  std::memcpy(&msg[a.ttl], &msg[b.ttl], n);
  std::memcpy(&msg[b.ttl], tmp.data(), n);
}

}  // namespace

size_t shuffle_answers(std::span<uint8_t> msg, Rng& rng) {
  if (msg.size() < wire::kHeaderSize) return 0;
  wire::HeaderView h{msg.data()};
  const uint16_t an = h.ancount();
  if (an < 2 || an > kMaxRecords) return 0;
  wire::WireReader r(msg, wire::kHeaderSize);
  for (uint16_t i = 0; i < h.qdcount(); ++i) {
    r.skip_name();
    r.skip(4);
  }
  std::array<Rr, kMaxRecords> rrs;
  for (uint16_t i = 0; i < an; ++i) {
    Rr& rr = rrs[i];
    rr.owner = r.pos();
    r.skip_name();
    rr.owner_len = r.pos() - rr.owner;
    rr.type = r.u16();
    r.u16();  // class
    rr.ttl = r.pos();
    r.u32();
    rr.rdlength = r.u16();
    rr.rdata = r.pos();
    r.skip(rr.rdlength);
    if (!r.ok()) return 0;
  }
  // Runs of consecutive records with one type and owner; each run is
  // shuffled on its own (Fisher-Yates over rdata).
  size_t moved = 0;
  for (size_t start = 0; start < an;) {
    size_t end = start + 1;
    while (end < an && rrs[end].type == rrs[start].type && same_owner(msg, rrs[end], rrs[start])) ++end;
    const uint16_t type = rrs[start].type;
    bool movable = end - start > 1 && (type == wire::rrtype::A || type == wire::rrtype::AAAA || type == wire::rrtype::MX);
    for (size_t i = start; movable && i < end; ++i) {
      if (rrs[i].rdlength != rrs[start].rdlength) movable = false;  // MX of different lengths
      if (type == wire::rrtype::MX && (rrs[i].rdlength > 257 || !exchange_is_movable(msg, rrs[i], rrs[start].owner)))
        movable = false;
    }
    if (movable) {
      for (size_t i = end - 1; i > start; --i) {
        size_t j = start + rng.next() % (i - start + 1);
        if (j != i) swap_rdata(msg, rrs[i], rrs[j]);
      }
      moved += end - start;
    }
    start = end;
  }
  return moved;
}

}  // namespace skycore::plugins::loadbalance
