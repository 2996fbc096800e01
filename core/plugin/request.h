// One query in flight. The core fills it in, hands it down the chain, and
// sends `response` exactly once after the chain returns. Buffers belong to
// the listener's coroutine frame; a Request never allocates.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/plugin/internal_resolver.h"
#include "core/plugin/response_observer.h"
#include "core/wire/query.h"
#include "core/wire/writer.h"

namespace skycore {

enum class Transport : uint8_t { udp, tcp };

// A reply in several messages (a zone transfer): each whole message is sent
// ahead of Request::response, in order, waiting while the client is slow
// to read. Only TCP connections have one.
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  // False when the connection is gone (stop sending).
  virtual asio::awaitable<bool> send(std::span<const uint8_t> msg) = 0;
};

struct Request {
  std::span<const uint8_t> packet;  // the query as received
  wire::Query query;                // validated by the core before the chain runs
  // Starts as an empty response to `query` (header + question, rcode
  // NOERROR). Plugins append records or replace it with assign().
  wire::MessageWriter response;

  asio::ip::address remote_addr;
  uint16_t remote_port = 0;
  asio::ip::address local_addr;
  uint16_t local_port = 0;
  Transport transport = Transport::udp;
  MessageStream* stream = nullptr;  // set by TCP connections, null over UDP
  // Which worker thread serves this query (0..workers-1): plugins keep
  // per-worker state (sockets, counters) indexed by it, so no locks.
  uint16_t worker = 0;
  // Largest response the client accepts (512, its EDNS size capped, or 65535 on TCP).
  uint16_t max_size = 512;

  // Storage the response is written into (owned by the listener).
  std::span<uint8_t> response_storage;
  std::span<uint8_t> response_buffer() const { return response_storage; }

  std::string_view server;  // listener label, e.g. "dns://:1053"
  std::string_view zone;    // the server block zone that matched, e.g. "example.org."

  // This server's own resolution (see internal_resolver.h), set by the core
  // for the duration of the chain; `depth` counts nested internal lookups.
  const InternalResolver* resolver = nullptr;
  uint8_t depth = 0;

  // EDNS options (whole code-length-data TLVs) to send upstream with this
  // query: set by a plugin that adds them (rewrite edns0), into storage that
  // outlives the chain's run. The core clears it for every query.
  std::span<const uint8_t> edns_options;

  // When the core took the query (metrics and log report the time since).
  std::chrono::steady_clock::time_point received{};
  // When waiting for this query stops (the cancel plugin sets it): a plugin
  // that waits (forward) gives up then instead of at its own timeout. The
  // core resets it to "never" for every query.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Plugins to tell about the finished response (response_observer.h), in
  // the order they registered; a fifth registration is ignored.
  std::array<ResponseObserver*, 4> observers{};
  uint8_t observer_count = 0;
  void observe(ResponseObserver* o) {
    if (observer_count < observers.size()) observers[observer_count++] = o;
  }

  // Who asked and where, for a request made on another's behalf (a cache
  // refresh, an internal lookup): peers, worker and listener label.
  void copy_origin(const Request& o) {
    remote_addr = o.remote_addr;
    remote_port = o.remote_port;
    local_addr = o.local_addr;
    local_port = o.local_port;
    worker = o.worker;
    server = o.server;
    deadline = o.deadline;
  }

  const char* proto_name() const { return transport == Transport::udp ? "udp" : "tcp"; }
};

}  // namespace skycore
