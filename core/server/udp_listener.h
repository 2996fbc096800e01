// UDP serving for one worker on one address. Packets are read in batches
// with recvmmsg into a fixed pool of slots. Each slot owns its buffers, its
// Request and a long-lived coroutine parked on a stored completion handler;
// the reader hands a packet over by invoking that handler, which runs the
// query inline. Answers that finish inline (whoami, cache hits, registry
// lookups) go back in one sendmmsg per batch; a query that waits (forward)
// keeps its slot and sends its own reply later without holding up the rest.
// No co_spawn, no reactor operation and no allocation per query.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/plugin/park.h"
#include "core/server/server_plan.h"

namespace skycore::server {

asio::ip::udp::socket open_udp_socket(asio::io_context& io, const asio::ip::udp::endpoint& ep);

class UdpListener {
 public:
  static constexpr size_t kBatch = 32;   // datagrams per recvmmsg/sendmmsg
  static constexpr size_t kSlots = 256;  // queries in flight per worker and socket
  static constexpr size_t kBuffer = 4096;  // bytes of a query, and of its UDP answer

  UdpListener(asio::ip::udp::socket& sock, const ListenerSpec& spec, uint16_t worker);
  // Starts the slot coroutines and reads until the socket is closed or
  // drain() is called.
  asio::awaitable<void> run();
  // Stops reading (a reload's new server reads the same socket now);
  // queries in flight still answer through this socket. Worker thread only.
  void drain();
  // Queries still being answered. Worker thread only.
  size_t busy() const { return kSlots - free_.size(); }

 private:
  struct Slot {
    std::optional<Wakeup> wake;  // set while the slot's coroutine is parked
    std::span<uint8_t> in;       // kBuffer bytes each, in buffers_
    std::span<uint8_t> out;
    Request req;
    sockaddr_storage peer;
    socklen_t peer_len = 0;
    size_t len = 0;
    bool starting = false;      // still inside co_spawn: we answer in the batch
    bool done_inline = false;
  };

  asio::awaitable<void> slot_loop(Slot* s);
  void prepare(Slot* s);
  void release(Slot* s);
  // Replies of queries that finished later (after waiting on an upstream)
  // are collected and sent together by one posted flush.
  void queue_reply(Slot* s);
  void flush_replies();
  std::vector<Slot*> outbox_;
  bool flush_posted_ = false;

  asio::ip::udp::socket& sock_;
  const ListenerSpec& spec_;
  std::unique_ptr<Slot[]> slots_;
  // The slots' packet buffers, apart from the slots: one block, never
  // initialised, so only the pages of slots that have held a packet become
  // resident (the free list is LIFO: a lightly loaded server touches a few
  // slots, not 2 MiB per worker and socket).
  std::unique_ptr<uint8_t[]> buffers_;
  std::vector<Slot*> free_;
  asio::steady_timer slot_freed_;
  asio::ip::address local_addr_;
  uint16_t local_port_ = 0;
  bool closing_ = false;
  bool draining_ = false;
};

}  // namespace skycore::server
