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

// Whether every compression pointer in the message's names (owners, and
// names inside the rdata of the types that may compress them) points below
// `limit`: then records after `limit` can change places without breaking
// any name. Unknown types' rdata is opaque (RFC 3597: never compressed).
bool pointers_below(std::span<const uint8_t> msg, size_t first_rr, size_t count, size_t limit) {
  auto name_ok = [&](size_t p, size_t end) {
    while (p < end) {
      uint8_t len = msg[p];
      if (len == 0) return true;
      if ((len & 0xc0) == 0xc0) return p + 1 < end && ((size_t(len & 0x3f) << 8) | msg[p + 1]) < limit;
      p += 1 + len;
    }
    return false;
  };
  wire::WireReader r(msg, first_rr);
  for (size_t i = 0; i < count; ++i) {
    size_t owner = r.pos();
    r.skip_name();
    if (!r.ok() || !name_ok(owner, r.pos())) return false;
    uint16_t type = r.u16();
    r.skip(6);
    uint16_t rdlen = r.u16();
    size_t rd = r.pos(), end = rd + rdlen;
    r.skip(rdlen);
    if (!r.ok()) return false;
    switch (type) {
      case wire::rrtype::CNAME: case wire::rrtype::NS: case wire::rrtype::PTR:
        if (!name_ok(rd, end)) return false;
        break;
      case wire::rrtype::MX:
        if (rdlen < 3 || !name_ok(rd + 2, end)) return false;
        break;
      case wire::rrtype::SRV:
        if (rdlen < 7 || !name_ok(rd + 6, end)) return false;
        break;
      case wire::rrtype::SOA: {  // two names
        wire::WireReader s(msg.first(end), rd);
        size_t m = s.pos();
        s.skip_name();
        if (!s.ok() || !name_ok(m, s.pos()) || !name_ok(s.pos(), end)) return false;
        break;
      }
      default: break;
    }
  }
  return true;
}

// CoreDNS's order: CNAMEs first (stub resolvers read the first record),
// then other types, then addresses, then MX. A stable reorder of whole
// records, done only when no name points into the answer section (so no
// pointer can break); the common upstream answer already is in order.
constexpr int rank(uint16_t type) {
  return type == wire::rrtype::CNAME ? 0
         : type == wire::rrtype::A || type == wire::rrtype::AAAA ? 2
         : type == wire::rrtype::MX ? 3 : 1;
}

void reorder(std::span<uint8_t> msg, std::span<const Rr> rrs, size_t answers_end) {
  bool sorted = true;
  for (size_t i = 1; i < rrs.size(); ++i) sorted &= rank(rrs[i - 1].type) <= rank(rrs[i].type);
  if (sorted) return;
  const size_t start = rrs[0].owner;
  wire::HeaderView h{msg.data()};
  if (!pointers_below(msg, start, size_t(h.ancount()) + h.nscount() + h.arcount(), start)) return;
  thread_local std::array<uint8_t, 65535> tmp;  // per worker, no allocation
  size_t out = 0;
  for (int k = 0; k <= 3; ++k)
    for (size_t i = 0; i < rrs.size(); ++i) {
      if (rank(rrs[i].type) != k) continue;
      size_t b = rrs[i].owner, e = i + 1 < rrs.size() ? rrs[i + 1].owner : answers_end;
      std::memcpy(tmp.data() + out, &msg[b], e - b);
      out += e - b;
    }
  std::memcpy(&msg[start], tmp.data(), out);
}

// Records the answer section's positions from where `r` stands.
bool walk_answers(wire::WireReader& r, std::span<Rr> rrs) {
  for (Rr& rr : rrs) {
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
    if (!r.ok()) return false;
  }
  return true;
}


IpBytes address_of(std::span<const uint8_t> msg, const Rr& r) {
  IpBytes ip;
  ip.v6 = r.type == wire::rrtype::AAAA;
  std::memcpy(ip.bytes.data(), &msg[r.rdata], ip.v6 ? 16 : 4);
  return ip;
}

// weighted: one address of the run, picked with its weight's odds, to the front.
void weighted_first(std::span<uint8_t> msg, std::span<const Rr> run, Rng& rng, const Weights& weights) {
  wire::Name owner;
  wire::WireReader r(msg, run[0].owner);
  r.name(owner);
  if (!r.ok()) return;
  owner.lowercase();
  thread_local std::string text;  // per worker: no allocation once warm
  owner.to_text(text);
  uint64_t total = 0;
  std::array<uint32_t, kMaxRecords> w{};
  for (size_t i = 0; i < run.size(); ++i) total += w[i] = weights.weight(text, address_of(msg, run[i]));
  uint64_t pick = rng.next() % total;
  size_t chosen = 0;
  while (pick >= w[chosen]) pick -= w[chosen++];
  if (chosen != 0) swap_rdata(msg, run[0], run[chosen]);
}

// prefer: a stable partition of the run's rdata (TTL, length, address).
void preferred_first(std::span<uint8_t> msg, std::span<const Rr> run, std::span<const Subnet> prefer) {
  const size_t n = 4 + 2 + run[0].rdlength;
  std::array<std::array<uint8_t, 4 + 2 + 16>, kMaxRecords> in, out;
  size_t k = 0;
  for (size_t i = 0; i < run.size(); ++i) std::memcpy(in[i].data(), &msg[run[i].ttl], n);
  for (int pass = 0; pass < 2; ++pass)
    for (size_t i = 0; i < run.size(); ++i) {
      IpBytes ip = address_of(msg, run[i]);
      bool preferred = false;
      for (const auto& s : prefer) preferred |= s.contains(ip);
      if (preferred == (pass == 0)) out[k++] = in[i];
    }
  for (size_t i = 0; i < run.size(); ++i) std::memcpy(&msg[run[i].ttl], out[i].data(), n);
}

}  // namespace

size_t limit_answers(std::span<uint8_t> msg, size_t limit) {
  if (msg.size() < wire::kHeaderSize || limit == 0) return msg.size();
  wire::HeaderView h{msg.data()};
  const uint16_t an = h.ancount();
  if (an <= limit || an > kMaxRecords) return msg.size();
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  std::array<Rr, kMaxRecords> rrs;
  if (!walk_answers(r, std::span<Rr>(rrs.data(), an))) return msg.size();
  const size_t cut = rrs[limit].owner, answers_end = r.pos();
  const size_t later = size_t(h.nscount()) + h.arcount();
  if (!pointers_below(msg, answers_end, later, cut)) return msg.size();
  // Walk the later sections to their end (the message may be followed by
  // spare buffer).
  wire::WireReader rest(msg, answers_end);
  for (size_t i = 0; i < later; ++i) {
    rest.skip_name();
    rest.skip(8);
    rest.skip(rest.u16());
  }
  if (!rest.ok()) return msg.size();
  const size_t end = rest.pos();
  std::memmove(&msg[cut], &msg[answers_end], end - answers_end);
  wire::store16(msg.data() + 6, static_cast<uint16_t>(limit));
  return end - (answers_end - cut);
}

size_t shuffle_answers(std::span<uint8_t> msg, Rng& rng, const Policy& policy) {
  if (msg.size() < wire::kHeaderSize) return 0;
  wire::HeaderView h{msg.data()};
  const uint16_t an = h.ancount();
  if (an < 2 || an > kMaxRecords) return 0;
  wire::WireReader r(msg, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  std::array<Rr, kMaxRecords> rrs;
  if (!walk_answers(r, std::span<Rr>(rrs.data(), an))) return 0;
  const size_t answers_end = r.pos();
  reorder(msg, std::span<const Rr>(rrs.data(), an), answers_end);
  // The records may have moved: walk them again where they are now.
  r = wire::WireReader(msg, rrs[0].owner);
  if (!walk_answers(r, std::span<Rr>(rrs.data(), an))) return 0;
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
      const bool address = type == wire::rrtype::A || type == wire::rrtype::AAAA;
      std::span<const Rr> run(rrs.data() + start, end - start);
      if (!policy.weights) {
        for (size_t i = end - 1; i > start; --i) {
          size_t j = start + rng.next() % (i - start + 1);
          if (j != i) swap_rdata(msg, rrs[i], rrs[j]);
        }
      } else if (address) {
        weighted_first(msg, run, rng, *policy.weights);
      }
      if (address && !policy.prefer.empty()) preferred_first(msg, run, policy.prefer);
      moved += end - start;
    }
    start = end;
  }
  return moved;
}

}  // namespace skycore::plugins::loadbalance
