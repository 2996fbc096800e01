#include "plugins/metrics/metrics.h"

#include <chrono>

#include "core/wire/types.h"

namespace skycore::plugins::metrics {
namespace {

template <size_t N>
size_t bucket(const std::array<double, N>& bounds, double v) {
  size_t i = 0;
  while (i < N && v > bounds[i]) ++i;
  return i;
}


}  // namespace

Metrics::Metrics(size_t workers) {
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i) workers_.push_back(std::make_unique<WorkerStats>());
}

// Passes the query on (no coroutine frame of its own) and counts it once
// the core has finished the response.
asio::awaitable<Result> Metrics::serve(Request& req, Next next) {
  req.observe(this);
  return next(req);
}

void Metrics::finished(const Request& req, const Result& r, const Finished& out) {
  WorkerStats& w = *workers_[req.worker < workers_.size() ? req.worker : 0];
  ZoneStats& z = w.zone(req.server, req.zone);
  size_t proto = req.transport == Transport::tcp ? 1 : 0;
  size_t family = req.remote_addr.is_v6() ? 1 : 0;
  z.requests[proto][family][type_slot(req.query.qtype)].add();
  size_t plugin = r.answered ? w.plugin_slot(r.plugin) : 0;
  if (out.sent) z.responses[std::min<size_t>(out.rcode, kRcodeSlots - 1)][plugin].add();
  double secs = std::chrono::duration<double>(out.took).count();
  z.duration[bucket(duration_bounds(), secs)].add();
  z.duration_sum_ns.add(static_cast<uint64_t>(out.took.count()));
  size_t qsize = req.packet.size();
  z.request_size[proto][bucket(size_bounds(), double(qsize))].add();
  z.request_size_sum[proto].add(qsize);
  if (!out.sent) return;  // dropped: no response to measure
  z.response_size[proto][bucket(size_bounds(), double(out.size))].add();
  z.response_size_sum[proto].add(out.size);
}

void Metrics::collect(std::vector<prometheus::MetricFamily>& out) const {
  auto requests = counter_family("skycore_dns_requests_total", "Counter of DNS requests made per zone, protocol and family.");
  auto responses = counter_family("skycore_dns_responses_total", "Counter of response status codes.");
  auto duration = histogram_family("skycore_dns_request_duration_seconds", "Histogram of the time (in seconds) each request took.");
  auto req_size = histogram_family("skycore_dns_request_size_bytes", "Size of the request in bytes.");
  auto resp_size = histogram_family("skycore_dns_response_size_bytes", "Size of the returned response in bytes.");
  const std::vector<double> dbounds(duration_bounds().begin(), duration_bounds().end());
  const std::vector<double> sbounds(size_bounds().begin(), size_bounds().end());
  static const char* kProto[2] = {"udp", "tcp"};
  static const char* kFamily[2] = {"1", "2"};

  // Sum the workers per (server, zone).
  struct Sum {
    std::string server, zone;
    uint64_t requests[2][2][kTypeSlots]{};
    std::map<std::pair<size_t, std::string>, uint64_t> responses;
    std::vector<uint64_t> duration = std::vector<uint64_t>(kDurationBounds + 1);
    double duration_sum = 0;
    std::vector<uint64_t> qsize[2], rsize[2];
    double qsum[2]{}, rsum[2]{};
  };
  std::vector<Sum> sums;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mu);
    size_t nplugins = w->plugin_count.load(std::memory_order_acquire);
    for (const auto& z : w->zones) {
      Sum* s = nullptr;
      for (auto& x : sums)
        if (x.server == z->server && x.zone == z->zone) s = &x;
      if (!s) {
        s = &sums.emplace_back();
        s->server = z->server;
        s->zone = z->zone;
        for (int p = 0; p < 2; ++p) s->qsize[p].assign(kSizeBounds + 1, 0), s->rsize[p].assign(kSizeBounds + 1, 0);
      }
      for (int p = 0; p < 2; ++p)
        for (int f = 0; f < 2; ++f)
          for (size_t t = 0; t < kTypeSlots; ++t) s->requests[p][f][t] += z->requests[p][f][t].get();
      for (size_t rc = 0; rc < kRcodeSlots; ++rc)
        for (size_t pl = 0; pl < nplugins; ++pl)
          if (uint64_t n = z->responses[rc][pl].get()) s->responses[{rc, w->plugins[pl]}] += n;
      for (size_t b = 0; b <= kDurationBounds; ++b) s->duration[b] += z->duration[b].get();
      s->duration_sum += double(z->duration_sum_ns.get()) / 1e9;
      for (int p = 0; p < 2; ++p) {
        for (size_t b = 0; b <= kSizeBounds; ++b) {
          s->qsize[p][b] += z->request_size[p][b].get();
          s->rsize[p][b] += z->response_size[p][b].get();
        }
        s->qsum[p] += double(z->request_size_sum[p].get());
        s->rsum[p] += double(z->response_size_sum[p].get());
      }
    }
  }
  for (const auto& s : sums) {
    for (int p = 0; p < 2; ++p)
      for (int f = 0; f < 2; ++f)
        for (size_t t = 0; t < kTypeSlots; ++t)
          if (uint64_t n = s.requests[p][f][t])
            add_value(requests, {{"server", s.server}, {"zone", s.zone}, {"proto", kProto[p]},
                                 {"family", kFamily[f]}, {"type", type_slot_name(t)}}, double(n));
    for (const auto& [k, n] : s.responses) {
      const char* rc = wire::rcode_name(static_cast<uint16_t>(k.first));
      add_value(responses, {{"server", s.server}, {"zone", s.zone},
                            {"rcode", rc ? rc : wire::rcode_to_string(static_cast<uint16_t>(k.first))},
                            {"plugin", k.second}}, double(n));
    }
    add_histogram(duration, {{"server", s.server}, {"zone", s.zone}}, dbounds, s.duration, s.duration_sum);
    for (int p = 0; p < 2; ++p) {
      uint64_t total = 0;
      for (auto n : s.qsize[p]) total += n;
      if (!total) continue;
      add_histogram(req_size, {{"server", s.server}, {"zone", s.zone}, {"proto", kProto[p]}}, sbounds, s.qsize[p], s.qsum[p]);
      add_histogram(resp_size, {{"server", s.server}, {"zone", s.zone}, {"proto", kProto[p]}}, sbounds, s.rsize[p], s.rsum[p]);
    }
  }
  for (auto* f : {&requests, &responses, &duration, &req_size, &resp_size}) out.push_back(std::move(*f));
}

}  // namespace skycore::plugins::metrics
