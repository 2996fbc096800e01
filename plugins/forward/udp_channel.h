// One connected UDP socket to one upstream, shared by many queries of one
// worker: each query gets a fresh random ID, replies are matched back by ID
// and question (the connected socket already filters the source address and
// port). The socket is replaced every kRotateAfter queries so the source
// port keeps changing (RFC 5452). Lives on one worker's thread only.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/udp.hpp>
#include <asio/steady_timer.hpp>
#include <array>
#include <atomic>
#include <memory>
#include <optional>

#include "core/plugin/per_worker.h"
#include "core/plugin/park.h"
#include "plugins/forward/exchange.h"
#include "plugins/forward/query_ids.h"

namespace skycore::plugins::forward {

class UdpChannel : public std::enable_shared_from_this<UdpChannel> {
 public:
  static constexpr size_t kMaxPending = 256;
  static constexpr size_t kRotateAfter = 4096;

  // `spoofed` counts replies dropped as not ours (this thread's slot).
  UdpChannel(asio::any_io_executor ex, asio::ip::udp::endpoint upstream, QueryIds& ids,
             WorkerCounter& spoofed);
  // Opens the socket and starts the receive and timeout loops, which keep
  // the channel alive until close(). Create channels with make_shared.
  void start();
  void close();  // fails everything in flight with `closed`

  // Sends `query` (its ID is overwritten) and waits for the matching reply,
  // copied into `reply`, until `deadline`.
  asio::awaitable<ExchangeResult> exchange(std::span<uint8_t> query, const wire::Query& q,
                                           std::span<uint8_t> reply, Clock::time_point deadline);
  size_t in_flight() const { return in_flight_; }

 private:
  struct Pending {
    bool used = false;
    bool doomed = false;  // marked for failing by an error that hit the socket
    uint16_t id = 0;
    const wire::Query* q = nullptr;
    std::span<uint8_t> reply;
    std::span<const uint8_t> query;
    Clock::time_point deadline;
    ExchangeResult result;
    std::optional<Wakeup> wake;
  };
  void open_socket();
  asio::awaitable<void> receive_loop();
  asio::awaitable<void> timeout_loop();
  void finish(Pending& p, ExchangeError e, size_t len = 0);
  void deliver(std::span<const uint8_t> datagram);

  asio::any_io_executor ex_;
  asio::ip::udp::endpoint upstream_;
  QueryIds& ids_;
  asio::ip::udp::socket sock_;
  asio::steady_timer ticker_;
  std::array<Pending, kMaxPending> pending_{};
  // The slots in use as compact {id, slot} pairs, so matching a reply or
  // checking a new ID touches a few bytes per query in flight, not whole slots.
  struct Active {
    uint16_t id;
    uint16_t slot;
  };
  std::array<Active, kMaxPending> active_{};
  std::array<uint16_t, kMaxPending> free_{};  // stack of unused slot numbers
  size_t free_count_ = 0;
  // Queries wait here until the flush posted by the first of them sends
  // them all with one sendmmsg; replies are read up to kRxBatch at a time.
  struct Outgoing {
    uint16_t slot;
    uint16_t id;
  };
  std::array<Outgoing, kMaxPending> outbox_{};
  size_t outbox_count_ = 0;
  bool flush_posted_ = false;
  void flush();
  static constexpr size_t kRxBatch = 16;
  static constexpr size_t kRxSize = 4096;  // we advertise 1232; bigger replies are dropped
  std::array<std::array<uint8_t, kRxSize>, kRxBatch> rx_;
  size_t in_flight_ = 0;
  size_t uses_ = 0;
  WorkerCounter& spoofed_;
  bool closed_ = false;
};

}  // namespace skycore::plugins::forward
