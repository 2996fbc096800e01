// Everything the forward plugin keeps per worker: upstream sockets and
// connections, ID randomness, the policy's cursor. Created and closed on the
// worker's own thread through the core's worker hooks; never shared.
#pragma once
#include <asio/any_io_executor.hpp>
#include <asio/ssl/context.hpp>
#include <memory>
#include <random>
#include <vector>

#include "plugins/forward/config.h"
#include "plugins/forward/query_ids.h"
#include "plugins/forward/stream_pool.h"
#include "plugins/forward/udp_channel.h"
#include "plugins/forward/upstream.h"

namespace skycore::plugins::forward {

struct UpstreamLink {
  std::vector<std::shared_ptr<UdpChannel>> udp;  // a few sockets, so a few source ports at once
  std::shared_ptr<StreamExchange> stream;        // TCP, TLS for tls://, HTTPS for https:// upstreams
  size_t next_udp = 0;
};

// The connection-based link to upstream `a`: DoH for https://, else TCP or TLS.
std::shared_ptr<StreamExchange> make_stream_exchange(asio::any_io_executor ex, const UpstreamAddress& a,
                                                     asio::ssl::context* tls, const Config& cfg);

class WorkerState {
 public:
  static constexpr size_t kUdpChannels = 4;

  WorkerState(asio::any_io_executor ex, uint16_t worker, const Config& cfg,
              const std::vector<std::unique_ptr<Upstream>>& upstreams, asio::ssl::context* tls);
  void close();

  UpstreamLink& link(size_t upstream) { return links_[upstream]; }
  UdpChannel& pick_udp(size_t upstream);
  QueryIds& ids() { return ids_; }
  std::minstd_rand& rng() { return rng_; }
  size_t next_round_robin() { return rr_++; }

 private:
  QueryIds ids_;
  std::vector<UpstreamLink> links_;
  std::minstd_rand rng_;
  size_t rr_ = 0;
};

}  // namespace skycore::plugins::forward
