// Identical questions in flight go upstream once. The first becomes the
// flight's leader and asks; the others (from any worker) wait for its
// answer instead of sending their own. Besides saving upstream queries,
// this closes the birthday attack on a forwarder (CVE-2023-30464 in
// CoreDNS): many identical questions in flight meant many IDs and ports an
// off-path attacker could match with one forged answer.
//
// A fixed table of flights, in shards with a lock each, held only to join
// or land a flight: the leader's path does not allocate; a follower
// allocates its waiting state (followers are the rare, or hostile, case).
#pragma once
#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/plugin/request.h"

namespace skycore::plugins::forward {

class Coalescer {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kSlots = 64;  // flights per shard; beyond that questions go on their own

  // A follower's wait: the leader copies its answer here and wakes the timer
  // on the follower's own executor.
  struct Follower {
    explicit Follower(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::vector<uint8_t> reply;  // empty: the leader got no answer
    bool landed = false;         // set on the follower's executor, after `reply`
  };

  struct Join {
    int slot = -1;                       // the flight (shard * kSlots + slot), or -1: none
    std::shared_ptr<Follower> follower;  // set: wait for the leader; unset: lead (if slot >= 0)
  };

  // The question of `req`, as the upstream will be asked it: its name
  // (case aside), type, class, RD, CD, DO and the EDNS options a plugin set.
  Join join(const Request& req, const asio::any_io_executor& ex);
  // The leader's answer (empty: none) goes to every follower; the flight ends.
  void land(int slot, std::span<const uint8_t> reply);
  // A follower gives up waiting (its deadline); false if the leader has
  // already taken it (its answer is on the way: wait for `landed`).
  bool leave(int slot, const Follower* f);

 private:
  struct Slot {
    uint64_t hash = 0;
    const Request* leader = nullptr;  // null: free; the leader's request outlives the flight
    std::vector<std::shared_ptr<Follower>> followers;
  };
  struct alignas(64) Shard {
    std::mutex mu;
    std::array<Slot, kSlots> slots;
  };
  std::array<Shard, kShards> shards_;
};

// Ends a leader's flight when it goes out of scope, without an answer
// unless land() gave one: no follower waits past its leader.
class Leading {
 public:
  Leading(Coalescer& c, int slot) : c_(c), slot_(slot) {}
  Leading(const Leading&) = delete;
  Leading& operator=(const Leading&) = delete;
  ~Leading() { land({}); }
  void land(std::span<const uint8_t> reply) {
    if (slot_ >= 0) c_.land(slot_, reply);
    slot_ = -1;
  }

 private:
  Coalescer& c_;
  int slot_;
};

}  // namespace skycore::plugins::forward
