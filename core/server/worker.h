// One worker thread: its own io_context(1), its own UDP socket and TCP
// acceptor per listen address (SO_REUSEPORT), nothing shared with the
// other workers on the query path.
#pragma once
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "core/server/server_plan.h"
#include "core/server/tcp_listener.h"
#include "core/server/udp_listener.h"

namespace skycore::server {

class Worker {
 public:
  Worker(uint16_t index, const TcpLimits& limits, size_t tcp_cap, const WorkerHooks& hooks);
  ~Worker();
  // Binds this worker's sockets; throws std::system_error (with the address)
  // on failure. With `previous` (a reload), addresses it already listens on
  // are taken over: the new sockets are dup()s of its sockets, so not one
  // datagram or connection queued in the kernel is lost in the switch.
  void bind(const std::vector<ListenerSpec>& listeners, const Worker* previous = nullptr);
  void start();
  void stop() { begin_stop(); join(); }
  // Closes the listeners and runs the plugins' stop hooks on the worker's
  // thread; in-flight queries finish or fail, then the thread ends.
  void begin_stop();
  void join();
  // A reload's first step for the old worker: stop reading and accepting
  // (the new worker reads the same sockets), let queries in flight finish.
  void begin_drain();
  // UDP queries in flight plus open TCP connections (asks the worker's thread).
  size_t in_flight();

 private:
  uint16_t index_;
  asio::io_context io_{1};
  std::thread thread_;
  bool stopping_ = false;
  const TcpLimits& limits_;
  const WorkerHooks& hooks_;
  TcpConnectionSet tcp_conns_;
  struct Bound {
    const ListenerSpec* spec;
    std::unique_ptr<asio::ip::udp::socket> udp;
    std::unique_ptr<asio::ip::tcp::acceptor> tcp;
    std::unique_ptr<UdpListener> udp_listener;
  };
  std::vector<Bound> bound_;
};

}  // namespace skycore::server
