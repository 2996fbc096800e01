#include "plugins/rrl/rrl.h"

#include <algorithm>
#include <chrono>

#include "core/plugin/fnv1a.h"
#include "core/plugin/subnet.h"
#include "core/wire/header.h"

namespace skycore::plugins::rrl {

Category categorize(std::span<const uint8_t> response) {
  if (response.size() < wire::kHeaderSize) return Category::error;
  wire::HeaderView h{response.data()};
  switch (h.rcode()) {
    case wire::rcode::NOERROR:
      if (h.ancount() > 0) return Category::response;
      // No answer, something in authority and not authoritative: a delegation.
      if (h.nscount() > 0 && !h.has(wire::flag::AA)) return Category::referral;
      return Category::nodata;
    case wire::rcode::NXDOMAIN:
      return Category::nxdomain;
    default:
      return Category::error;
  }
}

Rrl::Rrl(Config cfg, size_t workers) : cfg_(std::move(cfg)), counters_(workers) {
  // Each worker's share of the table: a client's UDP queries from one
  // socket land on one worker (SO_REUSEPORT hashes its address and port).
  const size_t per_worker = std::max<size_t>(cfg_.table_size / std::max<size_t>(workers, 1), 64);
  for (size_t i = 0; i < std::max<size_t>(workers, 1); ++i) workers_.push_back(std::make_unique<Worker>(per_worker));
}

bool Rrl::in_zones(const wire::Name& qname) const {
  return std::any_of(cfg_.zones.begin(), cfg_.zones.end(), [&](const wire::Name& z) { return qname.is_subdomain_of(z); });
}

uint64_t Rrl::client_hash(const Request& req) const {
  IpBytes ip = ip_bytes(req.remote_addr);
  const size_t bits = ip.v6 ? cfg_.ipv6_prefix : cfg_.ipv4_prefix;
  for (size_t i = 0; i < 16; ++i) {  // keep the prefix, clear the host bits
    const size_t from = i * 8;
    if (from >= bits) ip.bytes[i] = 0;
    else if (bits - from < 8) ip.bytes[i] &= static_cast<uint8_t>(0xFF << (8 - (bits - from)));
  }
  const uint8_t family = ip.v6 ? 6 : 4;
  return Fnv1a().bytes(ip.bytes).byte(family).h;
}

asio::awaitable<Result> Rrl::serve(Request& req, Next next) {
  // TCP cannot be spoofed (the handshake proves the address): never limited.
  if (req.transport != Transport::udp || !in_zones(req.query.qname_lower)) co_return co_await next(req);
  Worker& w = *workers_[req.worker < workers_.size() ? req.worker : 0];
  Counters& counters = counters_[req.worker];
  const auto at = req.received.time_since_epoch().count() ? req.received : std::chrono::steady_clock::now();
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(at.time_since_epoch()).count();
  const uint64_t client = client_hash(req);

  if (cfg_.limits.per_second[size_t(Category::request)] > 0 &&
      w.accounts.debit(Fnv1a{client}.byte(uint8_t(Category::request)).h, Category::request, now_us, cfg_.limits)) {
    counters.limited[size_t(Category::request)].add();
    if (!cfg_.report_only) {
      counters.dropped[size_t(Category::request)].add();
      req.response.reset({}, 0);  // nothing is sent
      co_return Result::written(name(), wire::rcode::REFUSED);
    }
  }

  Result res = co_await next(req);
  const auto msg = req.response.data();
  if (res.answered && msg.empty()) co_return res;  // nothing to send anyway
  // An unanswered query gets its error response from the core, later.
  const Category cat = res.answered ? categorize(msg)
                       : res.rcode == wire::rcode::NXDOMAIN ? Category::nxdomain : Category::error;
  Fnv1a key{client};
  key.byte(uint8_t(cat));
  switch (cat) {
    case Category::response:
    case Category::nodata:
      key.bytes(req.query.qname_lower.wire()).u16(req.query.qtype);
      break;
    case Category::nxdomain:
    case Category::referral:
      key.text(req.zone);  // per zone: random names do not each get an allowance
      break;
    default:
      break;  // errors: per client, whatever the question
  }
  const uint32_t limited = w.accounts.debit(key.h, cat, now_us, cfg_.limits);
  if (!limited) co_return res;
  counters.limited[size_t(cat)].add();
  if (cfg_.report_only) co_return res;
  if (cfg_.slip && limited % cfg_.slip == 0) {
    // Empty and truncated: a real client asks again over TCP.
    counters.slipped[size_t(cat)].add();
    req.response.start_response(req.query, req.packet);
    req.response.set_flag(wire::flag::TC);
    co_return Result::written(name(), wire::rcode::NOERROR);
  }
  counters.dropped[size_t(cat)].add();
  req.response.reset({}, 0);
  co_return Result::written(name(), res.rcode);
}

void Rrl::collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const {
  auto limited = counter_family("skycore_rrl_limited_total", "Counter of responses (and requests) over their rate, by category (with report-only: counted, still sent).");
  auto slipped = counter_family("skycore_rrl_slipped_total", "Counter of limited responses sent empty with TC instead (slip).");
  auto dropped = counter_family("skycore_rrl_dropped_total", "Counter of limited responses (and requests) not answered.");
  for (size_t c = 0; c < kCategories; ++c) {
    std::vector<prometheus::ClientMetric::Label> labels{{"server", server}, {"category", category_name(Category(c))}};
    auto sum = [&](auto member) { return double(counters_.sum([&](const Counters& k) { return (k.*member)[c].get(); })); };
    add_value(limited, labels, sum(&Counters::limited));
    add_value(slipped, labels, sum(&Counters::slipped));
    add_value(dropped, labels, sum(&Counters::dropped));
  }
  for (auto* f : {&limited, &slipped, &dropped}) {
    sum_duplicate_series(*f);
    out.push_back(std::move(*f));
  }
}

}  // namespace skycore::plugins::rrl
