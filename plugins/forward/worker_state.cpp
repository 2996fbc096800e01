#include "plugins/forward/worker_state.h"

#include "plugins/forward/doh_client.h"

namespace skycore::plugins::forward {

std::shared_ptr<StreamExchange> make_stream_exchange(asio::any_io_executor ex, const UpstreamAddress& a,
                                                     asio::ssl::context* tls, const Config& cfg) {
  if (a.https) return std::make_shared<DohClient>(ex, a, tls, cfg.tls.server_name, cfg.expire);
  return std::make_shared<StreamPool>(ex, a, a.tls ? tls : nullptr, cfg.tls.server_name, cfg.expire);
}

WorkerState::WorkerState(asio::any_io_executor ex, uint16_t worker, const Config& cfg,
                         const std::vector<std::unique_ptr<Upstream>>& upstreams,
                         asio::ssl::context* tls)
    : rng_(ids_.next() << 16 | ids_.next()) {
  for (const auto& u : upstreams) {
    UpstreamLink link;
    const auto& a = u->address;
    if (!a.tls && !a.https) {
      for (size_t i = 0; i < kUdpChannels; ++i) {
        link.udp.push_back(std::make_shared<UdpChannel>(ex, asio::ip::udp::endpoint(a.ip, a.port), ids_,
                                                        u->counters[worker].spoofed));
        link.udp.back()->start();
      }
    }
    link.stream = make_stream_exchange(ex, a, tls, cfg);
    link.stream->start();
    links_.push_back(std::move(link));
  }
}

void WorkerState::close() {
  for (auto& l : links_) {
    for (auto& c : l.udp) c->close();
    l.stream->close();
  }
}

UdpChannel& WorkerState::pick_udp(size_t upstream) {
  auto& l = links_[upstream];
  // Round robin over the channels, skipping full ones when possible.
  for (size_t i = 0; i < l.udp.size(); ++i) {
    auto& c = *l.udp[l.next_udp++ % l.udp.size()];
    if (c.in_flight() < UdpChannel::kMaxPending) return c;
  }
  return *l.udp[0];
}

}  // namespace skycore::plugins::forward
