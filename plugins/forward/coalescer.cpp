#include "plugins/forward/coalescer.h"

#include <asio/post.hpp>

#include <algorithm>

#include "core/plugin/fnv1a.h"
#include "core/wire/header.h"

namespace skycore::plugins::forward {
namespace {

constexpr uint16_t kAsked = wire::flag::RD | wire::flag::CD;  // the flags the upstream query carries

uint64_t question_hash(const Request& req) {
  return Fnv1a()
      .bytes(req.query.qname_lower.wire())
      .u16(req.query.qtype)
      .u16(req.query.qclass)
      .byte(static_cast<uint8_t>(req.query.flags & kAsked))
      .byte(static_cast<uint8_t>((req.query.flags & kAsked) >> 8))
      .byte(req.query.edns.do_bit)
      .bytes(req.edns_options)
      .h;
}

bool same_question(const Request& a, const Request& b) {
  return a.query.qtype == b.query.qtype && a.query.qclass == b.query.qclass &&
         (a.query.flags & kAsked) == (b.query.flags & kAsked) && a.query.edns.do_bit == b.query.edns.do_bit &&
         a.query.qname_lower.equals_ignore_case(b.query.qname_lower) &&
         std::equal(a.edns_options.begin(), a.edns_options.end(), b.edns_options.begin(), b.edns_options.end());
}

}  // namespace

Coalescer::Join Coalescer::join(const Request& req, const asio::any_io_executor& ex) {
  const uint64_t h = question_hash(req);
  const size_t shard = h % kShards;
  Shard& s = shards_[shard];
  std::lock_guard lock(s.mu);
  int free = -1;
  for (size_t i = 0; i < kSlots; ++i) {
    Slot& slot = s.slots[i];
    if (!slot.leader) {
      if (free < 0) free = static_cast<int>(i);
      continue;
    }
    if (slot.hash == h && same_question(*slot.leader, req)) {
      auto f = std::make_shared<Follower>(ex);
      slot.followers.push_back(f);
      return {static_cast<int>(shard * kSlots + i), std::move(f)};
    }
  }
  if (free < 0) return {};  // every flight of this shard taken: ask on our own
  s.slots[free].hash = h;
  s.slots[free].leader = &req;
  return {static_cast<int>(shard * kSlots + free), nullptr};
}

void Coalescer::land(int at, std::span<const uint8_t> reply) {
  Shard& s = shards_[at / kSlots];
  std::vector<std::shared_ptr<Follower>> waiting;
  {
    std::lock_guard lock(s.mu);
    Slot& slot = s.slots[at % kSlots];
    slot.leader = nullptr;
    if (slot.followers.empty()) return;  // the common case: nothing to hand over, nothing allocated
    waiting.swap(slot.followers);
  }
  for (auto& f : waiting) {
    f->reply.assign(reply.begin(), reply.end());
    // The follower's own executor wakes it: its timer is not ours to touch.
    asio::post(f->timer.get_executor(), [f] {
      f->landed = true;
      f->timer.cancel();
    });
  }
}

bool Coalescer::leave(int at, const Follower* f) {
  Shard& s = shards_[at / kSlots];
  std::lock_guard lock(s.mu);
  auto& list = s.slots[at % kSlots].followers;
  auto it = std::find_if(list.begin(), list.end(), [&](const auto& p) { return p.get() == f; });
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

}  // namespace skycore::plugins::forward
